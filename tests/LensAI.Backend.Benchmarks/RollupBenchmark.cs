using System.Diagnostics;
using System.Globalization;
using LensAI.Backend.DuckDb;
using LensAI.Backend.Parquet;
using LensAI.Backend.Rollups;
using LensAI.Backend.Storage;

namespace LensAI.Backend.Benchmarks;

/// <summary>
/// Rollup job and the report's three main charts on N million synthetic events (30 days, 12 models, 5,000 users,
/// 40 routes), generated with DuckDB straight into the Hive layout of a local store.
/// </summary>
internal static class RollupBenchmark
{
    public static async Task RunAsync(int millions)
    {
        var root = Path.Combine(Path.GetTempPath(), "lensai-rollup-bench-" + Guid.NewGuid().ToString("N"));
        var store = new LocalFolderStore(Path.Combine(root, "store"));
        using var db = new DuckDbConnectionFactory(new DuckDbSettings { TempDirectory = Path.Combine(root, "duck-tmp") });
        var events = new EventStore(store, db, Path.Combine(root, "cache"));
        var days = 30;
        var perDay = millions * 1_000_000L / days;
        var first = new DateOnly(2026, 10, 22);
        var clock = Stopwatch.StartNew();
        using (var connection = db.Open())
        {
            for (var d = 0; d < days; d++)
            {
                var day = first.AddDays(d);
                var dir = Path.Combine(root, "store", "events", "project=bench", $"dt={day:yyyy-MM-dd}");
                Directory.CreateDirectory(dir);
                var file = Path.Combine(dir, $"part-{d:D26}.parquet");
                SyntheticEvents.Write(connection, file, "bench", "e" + d.ToString(CultureInfo.InvariantCulture), new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero), TimeSpan.FromDays(1), perDay, new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero), users: 5000);
            }
        }

        var size = Directory.GetFiles(Path.Combine(root, "store", "events"), "*.parquet", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        Console.WriteLine($"generated {millions}M events in {days} daily parts ({size / 1024.0 / 1024.0:0} MiB ZSTD Parquet) in {clock.Elapsed.TotalSeconds:0.0} s");

        clock.Restart();
        var job = new RollupJob(events, Path.Combine(root, "work"));
        var result = await job.RunAsync(CancellationToken.None);
        Console.WriteLine($"rollup job: {result.Summary} in {clock.Elapsed.TotalSeconds:0.0} s ({millions * 1_000_000.0 / clock.Elapsed.TotalSeconds:N0} events/s)");

        var reader = new RollupReader(events);
        var to = first.AddDays(days - 1);
        var charts = new (string Name, string Sql)[]
        {
            ("cost over time by model (daily)", "SELECT bucket AS day, key AS model, sum(cost_usd) FROM {r} WHERE grain = 'day' AND dimension = 'model' GROUP BY ALL ORDER BY day, model"),
            ("top 10 users by cost", "SELECT key AS user_id, sum(cost_usd) AS cost, sum(requests) FROM {r} WHERE grain = 'day' AND dimension = 'user' GROUP BY ALL ORDER BY cost DESC LIMIT 10"),
            ("p50/p95 latency over time (hourly)", "SELECT bucket, latency_p50, latency_p95 FROM {r} WHERE grain = 'hour' AND dimension = 'all' ORDER BY bucket"),
        };
        foreach (var (name, sql) in charts)
        {
            var times = new List<double>();
            for (var i = 0; i < 7; i++)
            {
                var t = Stopwatch.GetTimestamp();
                await reader.QueryAsync("bench", first, to, (connection, rollup) => connection.Query(sql.Replace("{r}", rollup, StringComparison.Ordinal), r => r.FieldCount).Count, CancellationToken.None);
                times.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            }

            times.Sort();
            Console.WriteLine($"chart '{name}': median {times[3]:0} ms (min {times[0]:0}, max {times[^1]:0}) over 7 runs");
        }

        // The whole GET /v1/report document over the 30 days: totals and top models/users/routes with p50/p95 merged from
        // the rollups' latency histograms, cost and latency over time, budgets.
        var report = new LensAI.Backend.Reports.ReportService(reader, new LensAI.Backend.Budgets.BudgetStore(store, TimeProvider.System), TimeProvider.System);
        var reportTimes = new List<double>();
        var fromInstant = new DateTimeOffset(first.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var toInstant = new DateTimeOffset(to.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        long totalRequests = 0;
        for (var i = 0; i < 7; i++)
        {
            var t = Stopwatch.GetTimestamp();
            var document = await report.BuildAsync("bench", fromInstant, toInstant, cancellationToken: CancellationToken.None);
            reportTimes.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            totalRequests = document.Totals.Requests;
        }

        reportTimes.Sort();
        Console.WriteLine($"report (GET /v1/report, 30 days, {totalRequests:N0} requests): median {reportTimes[3]:0} ms (min {reportTimes[0]:0}, max {reportTimes[^1]:0}) over 7 runs");

        // Baseline in the same process: the first chart straight from the raw events, no rollups.
        var raw = new List<double>();
        for (var i = 0; i < 3; i++)
        {
            var t = Stopwatch.GetTimestamp();
            await events.QueryAsync("bench", first, to, paths =>
            {
                using var connection = db.Open();
                return connection.Query($"SELECT date_trunc('day', ts) AS day, model, sum(cost_usd) FROM {EventStore.DedupedRelation(paths)} GROUP BY ALL", r => r.FieldCount, EventStore.Files(paths)).Count;
            }, CancellationToken.None);
            raw.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
        }

        raw.Sort();
        Console.WriteLine($"baseline: chart 1 from raw events (deduplicated): median {raw[1]:0} ms over 3 runs");
        Directory.Delete(root, recursive: true);
    }
}
