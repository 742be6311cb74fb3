using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text.Json;
using LensAI;
using LensAI.Backend.DuckDb;
using LensAI.Backend.Parquet;
using LensAI.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

// Ingest load generator (loopback only, bounded in count and time).
//   dotnet run -c Release --project tests/LensAI.Backend.Benchmarks -- [throughput|latency|all] [seconds]
// throughput: 4 connections post 1,000-event gzip batches back to back → events/s into Parquet.
// latency:    open loop at fixed offered rates of 100-event batches → p50/p95/p99 per batch.
// The backend is the embedded default (local folder + DuckDB) in this process; the generator shares the 2 cores.
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var mode = args.Length > 0 ? args[0] : "all";
if (mode == "rollups")
{
    await LensAI.Backend.Benchmarks.RollupBenchmark.RunAsync(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10);
    return;
}

if (mode == "budgets")
{
    // budgets [seconds] [history events per project]: the budget check while ingest runs at full speed.
    await LensAI.Backend.Benchmarks.BudgetCheckBenchmark.RunAsync(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 180, args.Length > 2 ? long.Parse(args[2], CultureInfo.InvariantCulture) : 0);
    return;
}

if (mode == "breach")
{
    // breach [breaches] [SDK poll seconds]: breach → block under load, the SDK in a child process.
    await LensAI.Backend.Benchmarks.BreachBenchmark.RunAsync(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10, args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 30);
    return;
}

if (mode == "sdk-client")
{
    // The child of breach (and of its smoke test): sdk-client <endpoint> <key> <poll ms>.
    Environment.ExitCode = await LensAI.Backend.Benchmarks.SdkClientProcess.RunChildAsync(args[1..]);
    return;
}

if (mode == "scale-out")
{
    // scale-out [batches per project] [local|s3]: 4 ingest + 2 job-runner processes, kill -9 of one of each; both stores unless one is named.
    await LensAI.Backend.Benchmarks.ScaleOutBenchmark.RunAsync(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100, args.Length > 2 ? args[2] : null);
    return;
}

if (mode == "cold-start")
{
    // cold-start [runs]: the server executable's process start → first 200 of POST /v1/events.
    await LensAI.Backend.Benchmarks.ColdStartBenchmark.RunAsync(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 7);
    return;
}

if (mode == "scale-jobs")
{
    // A job-runner child of scale-out (and of its smoke test).
    Environment.ExitCode = await LensAI.Backend.Benchmarks.ScaleOutJobHost.RunAsync(args[1..]);
    return;
}

if (mode == "writers")
{
    using var raw = new MemoryStream();
    using (var gz = new GZipStream(new MemoryStream(Batch(1000)), CompressionMode.Decompress))
    {
        gz.CopyTo(raw);
    }

    await LensAI.Backend.Benchmarks.WriterBenchmark.RunAsync(raw.ToArray());
    return;
}

if (mode == "profile")
{
    using var raw = new MemoryStream();
    using (var gz = new GZipStream(new MemoryStream(Batch(args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1000)), CompressionMode.Decompress))
    {
        gz.CopyTo(raw);
    }

    LensAI.Backend.Benchmarks.Profile.Run(raw.ToArray(), args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200);
    LensAI.Backend.Benchmarks.ProfileJson.Run(raw.ToArray(), args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200);
    return;
}

var seconds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10;
// The embedded default as deployed (its scheduler on), through the tests' one way to start a backend.
var app = await TestBackend.StartAsync(
    b => b.Logging.AddConsole().SetMinimumLevel(LogLevel.Warning),
    new Dictionary<string, string?> { ["LensAI:Backend:RateLimitPerSecond"] = "1000000", ["LensAI:Backend:RateLimitBurst"] = "1000000", ["LensAI:Backend:RunScheduler"] = "true" });
var key = await app.CreateKeyAsync("load", "load test");
using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = app.BaseAddress };
http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
Console.WriteLine($"LensAI ingest load test — {Environment.ProcessorCount} cores, .NET {Environment.Version}, DuckDB {app.Services.GetRequiredService<DuckDbConnectionFactory>().Version}");

long sent = 0;
if (mode is "throughput" or "all")
{
    var batch = Batch(1000);
    var deadline = Stopwatch.StartNew();
    long events = 0, failures = 0;
    var workers = Enumerable.Range(0, 4).Select(async _ =>
    {
        while (deadline.Elapsed < TimeSpan.FromSeconds(seconds))
        {
            using var response = await http.PostAsync("v1/events", Content(batch));
            if (response.IsSuccessStatusCode)
            {
                Interlocked.Add(ref events, 1000);
            }
            else
            {
                Interlocked.Increment(ref failures);
            }
        }
    }).ToArray();
    await Task.WhenAll(workers);
    var elapsed = deadline.Elapsed.TotalSeconds;
    sent += events;
    Console.WriteLine($"throughput: {events:N0} events in {elapsed:0.0} s = {events / elapsed:N0} events/s into Parquet ({failures} failed batches)");
}

if (mode is "latency" or "all")
{
    foreach (var rate in new[] { 250, 500, 1000 })
    {
        var batch = Batch(100);
        var latencies = new List<double>();
        var failures = 0;
        var tasks = new List<Task>();
        var total = rate * seconds;
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < total; i++)
        {
            // Open loop: request i is due at start + i/rate, whether or not earlier ones finished.
            var due = start + (long)(i * (double)Stopwatch.Frequency / rate);
            while (Stopwatch.GetTimestamp() < due)
            {
                await Task.Yield();
            }

            tasks.Add(Task.Run(async () =>
            {
                var t0 = Stopwatch.GetTimestamp();
                using var response = await http.PostAsync("v1/events", Content(batch));
                var ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                lock (latencies)
                {
                    if (response.IsSuccessStatusCode)
                    {
                        latencies.Add(ms);
                    }
                    else
                    {
                        failures++;
                    }
                }
            }));
        }

        await Task.WhenAll(tasks);
        var achieved = total / Stopwatch.GetElapsedTime(start).TotalSeconds;
        latencies.Sort();
        double P(double p) => latencies.Count == 0 ? double.NaN : latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(p * latencies.Count) - 1)];
        sent += latencies.Count * 100L;
        Console.WriteLine($"latency @ {rate,5} batches/s offered ({achieved:N0}/s achieved, 100 events each): p50 {P(0.50),6:0.0} ms  p95 {P(0.95),6:0.0} ms  p99 {P(0.99),6:0.0} ms  ({failures} failed)");
    }
}

// Check: everything acknowledged is in Parquet.
var events2 = app.Services.GetRequiredService<EventStore>();
var today = DateOnly.FromDateTime(DateTime.UtcNow);
var parts = await events2.ListPartsAsync("load", today.AddDays(-1), today, CancellationToken.None);
var paths = await events2.LocalPathsAsync(parts, CancellationToken.None);
using (var db = app.Services.GetRequiredService<DuckDbConnectionFactory>().Open())
{
    var stored = db.ScalarInt64("SELECT count(*) FROM read_parquet($files)", EventStore.Files(paths));
    var distinct = db.ScalarInt64("SELECT count(DISTINCT event_id) FROM read_parquet($files)", EventStore.Files(paths));
    // The generator re-sends the same event ids; background merges (bounded parts) drop the stored copies.
    Console.WriteLine($"check: {stored:N0} rows ({distinct:N0} distinct event ids) in {parts.Count:N0} Parquet parts; {sent:N0} events acknowledged");
}

await app.DisposeAsync();

static byte[] Batch(int count)
{
    var now = DateTimeOffset.UtcNow;
    var events = Enumerable.Range(0, count).Select(i => new UsageEvent
    {
        EventId = Guid.NewGuid().ToString("N"),
        Timestamp = now.AddMilliseconds(-i),
        RequestId = "chatcmpl-" + i.ToString(CultureInfo.InvariantCulture),
        UserId = "user-" + (i % 50).ToString(CultureInfo.InvariantCulture),
        Route = i % 3 == 0 ? "POST /chat" : "POST /summarize",
        Provider = "openai",
        Model = i % 4 == 0 ? "gpt-4o-2024-08-06" : "gpt-4o-mini-2024-07-18",
        Operation = "chat",
        TokensIn = 1200 + i,
        TokensOut = 300,
        TokensCachedIn = 1024,
        LatencyMs = 400 + (i % 100),
        Status = UsageStatus.Ok,
        HttpStatus = 200,
        Metadata = new Dictionary<string, string> { ["tier"] = "pro", ["conversation"] = "c-" + (i % 20).ToString(CultureInfo.InvariantCulture) },
        Sdk = "load/1.0",
    }).ToList();
    return LensAI.Backend.Benchmarks.LoadGenerator.Gzip(events);
}

static ByteArrayContent Content(byte[] gzip)
{
    // Every request re-sends the same event ids: the backend stores them (dedup happens at read and compaction).
    var content = new ByteArrayContent(gzip);
    content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
    content.Headers.ContentEncoding.Add("gzip");
    return content;
}
