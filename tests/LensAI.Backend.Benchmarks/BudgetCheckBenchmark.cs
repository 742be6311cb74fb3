using System.Diagnostics;
using System.Globalization;
using LensAI.Backend.Budgets;
using LensAI.Backend.DuckDb;
using LensAI.Backend.Parquet;
using LensAI.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LensAI.Backend.Benchmarks;

/// <summary>
/// The budget check (<see cref="BudgetCheckJob"/>, every project) with 100 projects × 1,000 budgets (a monthly project
/// budget and 999 daily per-user budgets each) while ingest runs at full speed into the same embedded backend: check
/// duration p50/p95/max, after an optional history of events already stored today (in ten parts written hours ago).
/// The load generator posts 1,000-event gzip batches with fresh event ids round-robin over the projects, on loopback.
/// </summary>
internal static class BudgetCheckBenchmark
{
    private const int Projects = 100;
    private const int UserBudgets = 999;

    public static async Task RunAsync(int seconds, long historyPerProject)
    {
        await using var app = await TestBackend.StartAsync(
            b => b.Logging.AddConsole().SetMinimumLevel(LogLevel.Warning),
            new Dictionary<string, string?> { ["LensAI:Backend:RateLimitPerSecond"] = "1000000", ["LensAI:Backend:RateLimitBurst"] = "1000000", ["LensAI:Backend:RunScheduler"] = "false" });
        var budgets = app.Services.GetRequiredService<BudgetStore>();
        var file = new BudgetFile
        {
            Budgets =
            [
                new BudgetDefinition { Id = "project", Scope = "project", Period = "monthly", AmountUsd = 1_000_000m, Action = "block", Forecast = false },
                .. Enumerable.Range(0, UserBudgets).Select(u => new BudgetDefinition { Id = "user-" + u.ToString(CultureInfo.InvariantCulture), Scope = "user", ScopeValue = "user-" + u.ToString(CultureInfo.InvariantCulture), Period = "daily", AmountUsd = 1_000m, Forecast = false }),
            ],
        };
        var keys = new string[Projects];
        for (var p = 0; p < Projects; p++)
        {
            keys[p] = await app.CreateKeyAsync(Project(p), "bench");
            await budgets.SetBudgetsAsync(Project(p), file, "bench", CancellationToken.None);
        }

        var clock = Stopwatch.StartNew();
        if (historyPerProject > 0)
        {
            WriteHistory(app, historyPerProject);
        }

        Console.WriteLine($"budget check: {Projects} projects × {1 + UserBudgets} budgets; history {historyPerProject:N0} events per project today ({historyPerProject * Projects:N0} in all, written in {clock.Elapsed.TotalSeconds:0} s); {Environment.ProcessorCount} cores");
        var job = app.Services.GetRequiredService<BudgetCheckJob>();
        clock.Restart();
        var first = await job.RunAsync(CancellationToken.None);
        await job.WhenIdleAsync(); // every project's first build, before the load starts
        Console.WriteLine($"first check (builds every project's spend rollup from its parts): {clock.Elapsed.TotalMilliseconds:N0} ms — {first.Summary}");

        var quiet = new List<double>(); // each project once more, nothing new: what a check costs when nothing changed
        for (var p = 0; p < Projects; p++)
        {
            var t = Stopwatch.GetTimestamp();
            await job.CheckProjectAsync(Project(p), CancellationToken.None);
            quiet.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
        }

        quiet.Sort();
        Console.WriteLine($"one project's check with nothing new, no load: p50 {P(quiet, 0.5):N2} ms  p95 {P(quiet, 0.95):N2} ms  max {quiet[^1]:N2} ms");
        Console.WriteLine($"load average before the load starts: {LoadAverage()}");
        var load = new LoadGenerator(app.BaseAddress, keys);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var durations = new List<double>();
        while (!stop.IsCancellationRequested)
        {
            var t = Stopwatch.GetTimestamp();
            await job.RunAsync(CancellationToken.None);
            durations.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            await Task.Delay(TimeSpan.FromSeconds(1), TimeProvider.System, CancellationToken.None);
        }

        var loadAverage = LoadAverage();
        await load.DisposeAsync();
        await job.WhenIdleAsync();
        Console.WriteLine($"load average at the end of the load: {loadAverage}");
        var (ingested, failed, elapsed) = (load.Ingested, load.Failed, load.Elapsed.TotalSeconds);
        var steady = durations.Skip(durations.Count / 3).Order().ToList(); // after the first third: the settle window is full
        var all = durations.Order().ToList();
        Console.WriteLine($"ingest meanwhile: {ingested:N0} events in {elapsed:0} s = {ingested / elapsed:N0} events/s ({failed} failed batches)");
        Console.WriteLine($"check, all {all.Count} runs: p50 {P(all, 0.5):N0} ms  p95 {P(all, 0.95):N0} ms  max {all[^1]:N0} ms");
        Console.WriteLine($"check, last {steady.Count} runs (steady state): p50 {P(steady, 0.5):N0} ms  p95 {P(steady, 0.95):N0} ms  max {steady[^1]:N0} ms");
    }

    private static double P(List<double> sorted, double p) => sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    /// <summary>The machine's 1, 5 and 15-minute load averages (Linux), to say how busy the cores were.</summary>
    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static string Project(int p) => "bench" + p.ToString("D3", CultureInfo.InvariantCulture);

    /// <summary>Ten parts per project in today's partition, named and stamped 1–10 hours ago (already settled: never read again after the first check).</summary>
    private static void WriteHistory(TestBackend app, long perProject)
    {
        var now = DateTimeOffset.UtcNow;
        var today = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        using var connection = app.Services.GetRequiredService<DuckDbConnectionFactory>().Open();
        for (var p = 0; p < Projects; p++)
        {
            var dir = Path.Combine(app.StoreDirectory, EventSchema.PartitionPrefix(Project(p), DateOnly.FromDateTime(now.UtcDateTime)));
            Directory.CreateDirectory(dir);
            for (var part = 0; part < 10; part++)
            {
                var written = now.AddHours(-1 - part);
                var from = today + ((written - today) / 2); // between midnight and when it was written
                var path = Path.Combine(dir, $"part-{EventIds.NewUlid(written)}.parquet");
                SyntheticEvents.Write(connection, path, Project(p), $"h{p}-{part}", from, TimeSpan.FromMinutes(30), perProject / 10, written, users: 1000);
            }
        }
    }
}
