using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using LensAI.Backend.Budgets;
using LensAI.Backend.DuckDb;
using LensAI.Backend.Jobs;
using LensAI.Backend.Keys;
using LensAI.Backend.Parquet;
using LensAI.Backend.Storage;
using LensAI.Budgets;
using LensAI.Pricing;
using LensAI.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace LensAI.Backend.Benchmarks;

/// <summary>
/// Scale-out, simulated on one machine: <see cref="ScaleOutSettings.IngestInstances"/> ingest processes (the server
/// executable, scheduler off) and <see cref="ScaleOutSettings.JobInstances"/> job-runner processes
/// (<see cref="ScaleOutJobHost"/>) on one store, a load generator in this process posting numbered batches round-robin
/// across the ingest processes (re-sending a batch to the next one on a connection error or a 5xx), one ingest process
/// killed (<c>kill -9</c>) mid-run, and the job runner holding a job lease killed mid-job (it is stopped, its lease
/// checked, then killed, so the kill always leaves a live lease behind). Then it checks what a user would see: every
/// acknowledged event exactly once in each project's export and report, with the catalogue's cost; every threshold
/// alert the spend crossed delivered to a loopback webhook receiver, counted by alert id.
/// </summary>
public sealed class ScaleOutRun : IAsyncDisposable
{
    private const string WebhookSecret = "scale-out-run-webhook-secret";
    private static readonly string[] JobLeases = [JobRegistry.BudgetCheckName, JobRegistry.CompactionName, JobRegistry.RollupsName];

    private readonly ScaleOutSettings _settings;
    private readonly string _root = Path.Combine(Path.GetTempPath(), "lensai-scale-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];
    private readonly List<(ChildProcess Process, Uri Address)> _ingest = [];
    private readonly List<ChildProcess> _jobs = [];
    private readonly ConcurrentBag<(string AlertId, string Project, int? Threshold)> _deliveries = [];
    private readonly ConcurrentDictionary<int, bool> _acknowledged = new();
    private readonly Dictionary<string, string> _backendSettings;
    private readonly decimal[] _costs;
    private ServiceProvider? _services;
    private LoopbackServer? _webhook;

    private ScaleOutRun(ScaleOutSettings settings)
    {
        if (settings.KillIngestAt > settings.KillJobsAt)
        {
            throw new ArgumentException("The ingest process is killed first: KillIngestAt must not be above KillJobsAt.", nameof(settings));
        }

        _settings = settings;
        _costs = Enumerable.Range(0, settings.EventsPerBatch).Select(Cost).ToArray();
        Directory.CreateDirectory(_root);
        _backendSettings = settings.Storage.Count > 0
            ? new Dictionary<string, string>(settings.Storage)
            : new Dictionary<string, string> { ["LensAI:Backend:Storage:LocalPath"] = Path.Combine(_root, "store") };
        _backendSettings["LensAI:Backend:RateLimitPerSecond"] = "1000000";
        _backendSettings["LensAI:Backend:RateLimitBurst"] = "1000000";
    }

    private IObjectStore Store => _services!.GetRequiredService<IObjectStore>();

    /// <summary>Starts everything, runs the load with its kills, checks, stops everything; returns what it measured.</summary>
    public static async Task<ScaleOutResult> RunAsync(ScaleOutSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        await using var run = new ScaleOutRun(settings);
        return await run.ExecuteAsync(cancellationToken);
    }

    private void Log(string line) => _settings.Log?.Invoke(line);

    private async Task<ScaleOutResult> ExecuteAsync(CancellationToken cancellationToken)
    {
        _webhook = await LoopbackServer.StartAsync(ReceiveAlertAsync);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(_backendSettings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))
            .Append(new("LensAI:Backend:WorkDirectory", Path.Combine(_root, "work-checker")))).Build();
        _services = new ServiceCollection().AddLogging().AddLensAIBackend(configuration).BuildServiceProvider();

        // Keys and budgets, before any process starts.
        var projects = Enumerable.Range(0, _settings.Projects).Select(p => "scale" + p.ToString(CultureInfo.InvariantCulture)).ToArray();
        var keys = new string[projects.Length];
        var limits = new decimal[projects.Length];
        for (var p = 0; p < projects.Length; p++)
        {
            keys[p] = (await _services.GetRequiredService<ApiKeyStore>().CreateAsync(projects[p], "scale-out", cancellationToken)).Key;
            limits[p] = decimal.Round(_settings.BatchesPerProject * _costs.Sum() / _settings.SpendOverLimit, 6);
            await _services.GetRequiredService<BudgetStore>().SetBudgetsAsync(projects[p], new BudgetFile
            {
                Budgets = [new BudgetDefinition { Id = "monthly", Scope = BudgetScopeNames.Project, Period = "monthly", AmountUsd = limits[p], Action = "alert", Forecast = false }],
            }, "scale-out", cancellationToken);
        }

        await StartProcessesAsync(cancellationToken);
        Log($"{_ingest.Count} ingest and {_jobs.Count} job processes ready on the {_settings.StoreName} store");

        // The load, with its kills.
        var total = projects.Length * _settings.BatchesPerProject;
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64, ConnectTimeout = TimeSpan.FromSeconds(5) }) { Timeout = TimeSpan.FromSeconds(60) };
        var next = -1;
        long retries = 0, failed = 0, acked = 0, sent = 0;
        var killIngest = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var killJobs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var clock = Stopwatch.StartNew();
        var lastAck = TimeSpan.Zero;
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var kills = KillsAsync(killIngest.Task, killJobs.Task, abort.Token);
        var resume = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_settings.PauseUntilTakeover)
        {
            resume.TrySetResult();
        }

        var workers = Enumerable.Range(0, _settings.Connections).Select(_ => Task.Run(async () =>
        {
            while (true)
            {
                var n = Interlocked.Increment(ref next);
                if (n >= total)
                {
                    return;
                }

                if (n >= total * _settings.KillJobsAt)
                {
                    await resume.Task.WaitAsync(cancellationToken);
                }

                var (p, b) = (n % projects.Length, n / projects.Length);
                var body = Batch(p, b);
                Interlocked.Add(ref sent, _settings.EventsPerBatch);
                for (var attempt = 0; ; attempt++)
                {
                    var (_, address) = _ingest[(n + attempt) % _ingest.Count];
                    try
                    {
                        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(address, "v1/events")) { Content = new ByteArrayContent(body) };
                        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                        request.Content.Headers.ContentEncoding.Add("gzip");
                        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", keys[p]);
                        using var response = await http.SendAsync(request, cancellationToken);
                        if (response.IsSuccessStatusCode)
                        {
                            using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
                            if (answer.RootElement.GetProperty("accepted").GetInt32() != _settings.EventsPerBatch)
                            {
                                throw new InvalidOperationException("A batch was only partly accepted: " + answer.RootElement);
                            }

                            _acknowledged[n] = true;
                            var done = Interlocked.Increment(ref acked);
                            lastAck = clock.Elapsed;
                            if (done >= total * _settings.KillIngestAt)
                            {
                                killIngest.TrySetResult();
                            }

                            if (done >= total * _settings.KillJobsAt)
                            {
                                killJobs.TrySetResult();
                            }

                            break;
                        }

                        if ((int)response.StatusCode < 500 && (int)response.StatusCode != 429)
                        {
                            throw new InvalidOperationException($"Batch {n} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
                        }
                    }
                    catch (HttpRequestException)
                    {
                        // The instance is gone (killed) or refused the connection: the next one gets the batch.
                    }

                    Interlocked.Increment(ref retries);
                    if (attempt >= 50)
                    {
                        Interlocked.Increment(ref failed);
                        break;
                    }
                }
            }
        }, cancellationToken)).ToArray();

        // In pause mode the job kill waits for the acknowledgements before the pause point, then the takeover resumes the load.
        if (_settings.PauseUntilTakeover)
        {
            _ = kills.ContinueWith(_ => resume.TrySetResult(), TaskScheduler.Default);
        }

        try
        {
            await Task.WhenAll(workers);
        }
        catch
        {
            await abort.CancelAsync();
            throw;
        }

        var ingestSeconds = lastAck.TotalSeconds;
        killIngest.TrySetResult();
        killJobs.TrySetResult();
        var (killedLease, remaining, takeover) = await kills;
        Log(string.Create(CultureInfo.InvariantCulture, $"load done: {acked:N0} batches acknowledged in {ingestSeconds:0.0} s, {retries} retries"));

        // Alerts: every threshold the acknowledged spend crossed, delivered, and nothing left in any outbox.
        var expectedCost = new decimal[projects.Length];
        foreach (var n in _acknowledged.Keys)
        {
            expectedCost[n % projects.Length] += _costs.Sum();
        }

        // A check that finds several thresholds newly crossed sends one alert, for the highest: so each project's highest
        // crossed threshold must arrive, and every alert the checks queued (their outboxes empty, each recorded as sent).
        var crossed = Enumerable.Range(0, projects.Length)
            .SelectMany(p => new[] { 50, 75, 90, 100 }.Where(t => expectedCost[p] >= limits[p] * t / 100).Select(t => (projects[p], t)))
            .ToHashSet();
        var highest = crossed.GroupBy(c => c.Item1).Select(g => g.MaxBy(c => c.t)).ToHashSet();
        var budgets = _services.GetRequiredService<BudgetStore>();
        var queued = new HashSet<string>(StringComparer.Ordinal);
        var dead = 0;
        await UntilAsync(async () =>
        {
            var received = _deliveries.Select(d => (d.Project, d.Threshold ?? -1)).ToHashSet();
            if (!highest.IsSubsetOf(received))
            {
                return false;
            }

            queued.Clear();
            dead = 0;
            foreach (var project in projects)
            {
                var state = (await budgets.GetStateAsync(project, cancellationToken)).State;
                if (state.Outbox.Count > 0)
                {
                    return false;
                }

                queued.UnionWith(state.Sent.Select(id => id[..id.LastIndexOf('#')]));
                dead += state.Dead.Count;
            }

            return true;
        }, "each project's highest crossed threshold alert delivered and every outbox empty");
        var alertsSettled = (clock.Elapsed - lastAck).TotalSeconds;

        // What a user sees, from a surviving ingest instance, while the job runners go on compacting and rolling up.
        var survivor = _ingest.First(i => !i.Process.Killed).Address;
        var exported = new Dictionary<string, int>(StringComparer.Ordinal);
        long exportRows = 0, costMismatches = 0, reportRequests = 0;
        decimal exportCost = 0, reportCost = 0;
        var from = new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero).AddDays(-1);
        var to = from.AddDays(3);
        var range = $"from={Uri.EscapeDataString(from.ToString("O", CultureInfo.InvariantCulture))}&to={Uri.EscapeDataString(to.ToString("O", CultureInfo.InvariantCulture))}";
        for (var p = 0; p < projects.Length; p++)
        {
            var file = Path.Combine(_root, $"export-{p}.parquet");
            using (var request = new HttpRequestMessage(HttpMethod.Get, new Uri(survivor, "v1/export?format=parquet&" + range)))
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", keys[p]);
                using var response = await http.SendAsync(request, cancellationToken);
                response.EnsureSuccessStatusCode();
                await using var output = File.Create(file);
                await response.Content.CopyToAsync(output, cancellationToken);
            }

            using (var db = _services.GetRequiredService<DuckDbConnectionFactory>().Open())
            {
                foreach (var (id, cost) in db.Query("SELECT event_id, cost_usd FROM read_parquet($path)", r => (r.GetString(0), r.IsDBNull(1) ? (decimal?)null : r.GetDecimal(1)), ("path", file)))
                {
                    exportRows++;
                    exportCost += cost ?? 0;
                    exported[id] = exported.GetValueOrDefault(id) + 1;
                    if (cost != _costs[int.Parse(id[(id.LastIndexOf('-') + 1)..], CultureInfo.InvariantCulture)])
                    {
                        costMismatches++;
                    }
                }
            }

            using (var request = new HttpRequestMessage(HttpMethod.Get, new Uri(survivor, "v1/report?" + range)))
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", keys[p]);
                using var response = await http.SendAsync(request, cancellationToken);
                response.EnsureSuccessStatusCode();
                using var report = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
                var totals = report.RootElement.GetProperty("totals");
                reportRequests += totals.GetProperty("requests").GetInt64();
                reportCost += totals.GetProperty("cost_usd").GetDecimal();
            }
        }

        var acknowledgedIds = _acknowledged.Keys.SelectMany(n => Enumerable.Range(0, _settings.EventsPerBatch).Select(i => EventId(n % projects.Length, n / projects.Length, i))).ToHashSet(StringComparer.Ordinal);

        // The stored parts themselves, once the job runners are stopped.
        foreach (var job in _jobs)
        {
            await job.DisposeAsync();
        }

        long storedRows = 0, parts = 0, maxParts = 0;
        var events = _services.GetRequiredService<EventStore>();
        foreach (var project in projects)
        {
            var keysOfProject = await events.ListPartsAsync(project, DateOnly.FromDateTime(from.UtcDateTime), DateOnly.FromDateTime(to.UtcDateTime), cancellationToken);
            parts += keysOfProject.Count;
            maxParts = Math.Max(maxParts, keysOfProject.GroupBy(EventStore.DayOf).Select(g => (long)g.Count()).DefaultIfEmpty(0).Max());
            if (keysOfProject.Count > 0)
            {
                var paths = await events.LocalPathsAsync(keysOfProject, cancellationToken);
                using var db = _services.GetRequiredService<DuckDbConnectionFactory>().Open();
                storedRows += db.ScalarInt64("SELECT count(*) FROM read_parquet($files, union_by_name = true)", EventStore.Files(paths));
            }
        }

        var deliveries = _deliveries.ToList();
        return new ScaleOutResult
        {
            Store = _settings.StoreName,
            EventsSent = Interlocked.Read(ref sent),
            EventsAcknowledged = acknowledgedIds.Count,
            Retries = retries,
            BatchesFailed = failed,
            IngestSeconds = ingestSeconds,
            ExportRows = exportRows,
            ExportDuplicates = exported.Count(e => e.Value > 1),
            ExportMissing = acknowledgedIds.Count(id => !exported.ContainsKey(id)),
            ExportUnacknowledged = exported.Keys.Count(id => !acknowledgedIds.Contains(id)),
            ExportCostMismatches = costMismatches,
            ExpectedCost = expectedCost.Sum(),
            ExportCost = exportCost,
            ReportRequests = reportRequests,
            ReportCost = reportCost,
            StoredRows = storedRows,
            Parts = parts,
            MaxPartsPerPartition = maxParts,
            LeftoverTempFiles = _settings.Storage.Count > 0 ? 0 : Directory.EnumerateFiles(Path.Combine(_root, "store"), ".lensai-*.tmp", SearchOption.AllDirectories).Count(),
            ThresholdsCrossed = crossed.Count,
            AlertsQueued = queued.Count + dead,
            AlertsDead = dead,
            AlertsReceived = deliveries.Select(d => d.AlertId).Distinct().Count(),
            AlertDeliveries = deliveries.Count,
            AlertsUnexpected = deliveries.Count(d => !queued.Contains(d.AlertId) || !crossed.Contains((d.Project, d.Threshold ?? -1))),
            KilledLease = killedLease,
            LeaseRemainingSeconds = remaining,
            TakeoverSeconds = takeover,
            AlertsSettledSeconds = alertsSettled,
        };
    }

    /// <summary>Kills one ingest process, then the job runner holding a job lease, and measures the lease's takeover.</summary>
    private async Task<(string? Lease, double? Remaining, double? Takeover)> KillsAsync(Task ingestDue, Task jobsDue, CancellationToken cancellationToken)
    {
        await ingestDue.WaitAsync(cancellationToken);
        var (victim, _) = _ingest[^1];
        await victim.KillNowAsync();
        Log($"killed {victim.Name} (pid {victim.Id})");

        await jobsDue.WaitAsync(cancellationToken);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            foreach (var host in _jobs.Where(j => !j.HasExited))
            {
                var frozen = host.Freeze();
                var held = await HeldLeaseAsync(host.Id, cancellationToken);
                if (held is null && frozen && DateTime.UtcNow < deadline)
                {
                    host.Thaw();
                    continue;
                }

                await host.KillNowAsync();
                Log($"killed {host.Name} (pid {host.Id}) holding {(held is { } h ? "the lease of " + h.Job : "no lease")}");
                if (held is not { } lease)
                {
                    return (null, null, null);
                }

                var killedAt = Stopwatch.GetTimestamp();
                var remaining = (lease.Expires - DateTimeOffset.UtcNow).TotalSeconds;
                await UntilAsync(async () => await OwnerAsync(lease.Job, cancellationToken) is { } owner && owner.Pid != host.Id, $"another job runner taking over the lease of {lease.Job}");
                var takeover = Stopwatch.GetElapsedTime(killedAt).TotalSeconds;
                Log(string.Create(CultureInfo.InvariantCulture, $"the lease of {lease.Job} was taken over {takeover:0.0} s after the kill ({remaining:0.0} s were left on it)"));
                return (lease.Job, remaining, takeover);
            }

            await Task.Delay(5, cancellationToken);
        }
    }

    /// <summary>The job lease <paramref name="pid"/> holds now, if any.</summary>
    private async Task<(string Job, DateTimeOffset Expires)?> HeldLeaseAsync(int pid, CancellationToken cancellationToken)
    {
        foreach (var job in JobLeases)
        {
            if (await OwnerAsync(job, cancellationToken) is { } owner && owner.Pid == pid && owner.Expires > DateTimeOffset.UtcNow)
            {
                return (job, owner.Expires);
            }
        }

        return null;
    }

    /// <summary>The process id in a job lease's owner (<c>machine:pid:guid</c>) and its expiry.</summary>
    private async Task<(int Pid, DateTimeOffset Expires)?> OwnerAsync(string job, CancellationToken cancellationToken)
    {
        var stored = await Store.GetAsync($"_system/leases/job-{job}.json", cancellationToken);
        if (stored is null)
        {
            return null;
        }

        var lease = JsonSerializer.Deserialize(stored.Content, JobsJsonContext.Default.LeaseRecord)!;
        var parts = lease.Owner.Split(':');
        return parts.Length >= 3 && int.TryParse(parts[^2], CultureInfo.InvariantCulture, out var pid) ? (pid, lease.Expires) : null;
    }

    private async Task StartProcessesAsync(CancellationToken cancellationToken)
    {
        var backend = _backendSettings.SelectMany(s => new[] { "--" + s.Key, s.Value }).ToList();
        for (var i = 0; i < _settings.IngestInstances; i++)
        {
            var port = LoopbackPort.Free();
            var process = ChildProcess.Start($"ingest-{i}", BackendProcess.ServerDll,
                ["--urls", $"http://127.0.0.1:{port}", "--Logging:LogLevel:Default", "Warning", "--LensAI:Backend:RunScheduler", "false",
                 "--LensAI:Backend:WorkDirectory", Path.Combine(_root, $"work-ingest-{i}"), .. backend], _root);
            _ingest.Add((process, new Uri($"http://127.0.0.1:{port}/")));
        }

        var ready = new ConcurrentDictionary<int, bool>();
        for (var i = 0; i < _settings.JobInstances; i++)
        {
            _jobs.Add(ChildProcess.Start($"jobs-{i}", typeof(ScaleOutRun).Assembly.Location,
                ["scale-jobs", "--LensAI:Backend:WorkDirectory", Path.Combine(_root, $"work-jobs-{i}"),
                 "--LensAI:Backend:JobLeaseDuration", _settings.JobLease.ToString("c", CultureInfo.InvariantCulture),
                 "--LensAI:Backend:Alerts:Webhook:Url", new Uri(_webhook!.BaseAddress, "alerts").AbsoluteUri,
                 "--LensAI:Backend:Alerts:Webhook:Secret", WebhookSecret,
                 "--ScaleJobs:BudgetCheckMs", _settings.BudgetCheckMs.ToString(CultureInfo.InvariantCulture),
                 "--ScaleJobs:OtherJobsMs", _settings.OtherJobsMs.ToString(CultureInfo.InvariantCulture), .. backend], _root,
                (child, line) =>
                {
                    if (line.StartsWith("READY ", StringComparison.Ordinal))
                    {
                        ready[child.Id] = true;
                    }
                    else if (!line.StartsWith("RAN ", StringComparison.Ordinal) && !line.StartsWith("SKIPPED ", StringComparison.Ordinal) && !line.StartsWith("  compaction:", StringComparison.Ordinal))
                    {
                        Log($"{child.Name}: {line}"); // failures, warnings, the alerts each check queued
                    }
                }));
        }

        using var health = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var healthy = new HashSet<int>();
        await UntilAsync(async () =>
        {
            foreach (var (process, address) in _ingest.Where(i => !healthy.Contains(i.Process.Id)))
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException("An ingest process exited: " + process.Describe());
                }

                try
                {
                    using var response = await health.GetAsync(new Uri(address, "healthz"), cancellationToken);
                    if (response.IsSuccessStatusCode)
                    {
                        healthy.Add(process.Id);
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    // Not listening yet.
                }
            }

            var exited = _jobs.FirstOrDefault(j => j.HasExited);
            return exited is null
                ? healthy.Count == _ingest.Count && ready.Count == _jobs.Count
                : throw new InvalidOperationException("A job process exited: " + exited.Describe());
        }, "every process ready");
    }

    /// <summary>The webhook receiver: one delivery per request, by alert id (the body's schema is WebhookClient's).</summary>
    private async Task ReceiveAlertAsync(HttpContext context)
    {
        using var body = await JsonDocument.ParseAsync(context.Request.Body);
        var root = body.RootElement;
        _deliveries.Add((root.GetProperty("alert_id").GetString()!, root.GetProperty("project").GetString()!,
            root.GetProperty("threshold_percent").ValueKind == JsonValueKind.Number ? root.GetProperty("threshold_percent").GetInt32() : null));
        context.Response.StatusCode = 200;
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; fails after the run's deadline, with every process's output.</summary>
    private async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + _settings.Deadline;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Not reached within {_settings.Deadline.TotalSeconds:0} s: {what}.\n" + string.Join("\n", _ingest.Select(i => i.Process.Describe()).Concat(_jobs.Select(j => j.Describe()))));
            }

            await Task.Delay(20);
        }
    }

    private string EventId(int project, int batch, int index) => string.Create(CultureInfo.InvariantCulture, $"{_run}-p{project}-b{batch}-{index}");

    /// <summary>Event <paramref name="index"/> of a batch: its model and tokens (and so its cost) depend on the index only.</summary>
    private static (string Model, int TokensIn, int TokensOut) Shape(int index)
        => (index % 4 == 0 ? "gpt-4o-2024-08-06" : "gpt-4o-mini-2024-07-18", 1000 + (index % 100), 200);

    /// <summary>The catalogue's cost of event <paramref name="index"/> of a batch, rounded as the Parquet column stores it.</summary>
    private static decimal Cost(int index)
    {
        var (model, tokensIn, tokensOut) = Shape(index);
        return decimal.Round(PriceCatalog.Default.Calculate("openai", model, new TokenUsage(tokensIn, tokensOut))!.Value, 9, MidpointRounding.AwayFromZero);
    }

    private byte[] Batch(int project, int batch)
    {
        var now = DateTimeOffset.UtcNow;
        return LoadGenerator.Gzip(Enumerable.Range(0, _settings.EventsPerBatch).Select(i =>
        {
            var (model, tokensIn, tokensOut) = Shape(i);
            return new UsageEvent
            {
                EventId = EventId(project, batch, i),
                Timestamp = now.AddMilliseconds(-i),
                UserId = "user-" + (i % 50).ToString(CultureInfo.InvariantCulture),
                Route = "POST /chat",
                Provider = "openai",
                Model = model,
                Operation = "chat",
                TokensIn = tokensIn,
                TokensOut = tokensOut,
                LatencyMs = 300 + (i % 200),
                Status = UsageStatus.Ok,
                HttpStatus = 200,
                Sdk = "scale-out/1.0",
            };
        }).ToList());
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _ingest.Select(i => i.Process).Concat(_jobs))
        {
            await process.DisposeAsync();
        }

        if (_webhook is not null)
        {
            await _webhook.DisposeAsync();
        }

        if (_services is not null)
        {
            await _services.DisposeAsync();
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A killed process's file may still be closing; the temp folder is cleaned by the OS.
        }
    }
}
