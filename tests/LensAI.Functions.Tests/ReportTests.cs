using System.Globalization;
using System.Net;
using System.Text.Json;
using LensAI.Backend.DuckDb;
using LensAI.Backend.Rollups;
using LensAI.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace LensAI.Functions.Tests;

public sealed class ReportTests
{
    [Fact]
    public async Task The_report_matches_the_raw_events_by_model_user_and_route()
    {
        await using var backend = await TestBackend.StartAsync();
        var key = await backend.CreateKeyAsync("acme");
        using var http = backend.Client(key);
        var events = Enumerable.Range(0, 60).Select(i => Batches.Event(model: i % 3 == 0 ? "gpt-4o-2024-08-06" : "gpt-4o-mini-2024-07-18", userId: "user-" + (i % 5), route: i % 2 == 0 ? "POST /chat" : "POST /search", tokensIn: 1000 + i)).ToList();
        var unpriced = Batches.Node(Batches.Event(model: "my-private-model"));
        unpriced["cost_usd"] = null; // neither the SDK nor the backend can price it
        Assert.Equal(200, (await Batches.PostAsync(http, Batches.Content(Batches.Json([.. events.Select(Batches.Node), unpriced])))).Status);
        await backend.Jobs.RunAsync("rollups", CancellationToken.None);

        var response = await http.GetAsync($"v1/report?from={DateTime.UtcNow.AddDays(-1):yyyy-MM-dd}&to={DateTime.UtcNow.AddDays(1):yyyy-MM-dd}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var report = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = report.RootElement;
        var raw = await backend.QueryAsync("acme", "SELECT model, count(*) AS n, CAST(coalesce(sum(cost_usd), 0) AS DECIMAL(38,9)) AS c FROM {events} GROUP BY model");
        foreach (var row in raw)
        {
            var item = root.GetProperty("by_model").EnumerateArray().Single(m => m.GetProperty("key").GetString() == (string)row["model"]!);
            Assert.Equal((long)row["n"]!, item.GetProperty("requests").GetInt64());
            Assert.Equal((decimal)row["c"]!, item.GetProperty("cost_usd").GetDecimal());
        }

        Assert.Equal(61, root.GetProperty("totals").GetProperty("requests").GetInt64());
        Assert.Equal(6, root.GetProperty("by_user").GetArrayLength()); // user-0..4 and u1
        Assert.Equal(2, root.GetProperty("by_route").GetArrayLength());
        Assert.Equal(["my-private-model"], root.GetProperty("unpriced_models").EnumerateArray().Select(e => e.GetString()));
        Assert.NotEqual(0, root.GetProperty("cost_over_time").GetArrayLength());
        Assert.NotEqual(0, root.GetProperty("latency_over_time").GetArrayLength());
    }

    [Fact]
    public async Task Estimated_calls_are_counted_and_priced_in_the_report_even_beside_parts_written_before_the_field()
    {
        await using var backend = await TestBackend.StartAsync();
        using var http = backend.Client(await backend.CreateKeyAsync("acme"));

        // A part written before usage_estimated existed: the same columns less that one.
        Assert.Equal(200, (await Batches.PostAsync(http, Batches.Content(Batches.Json([Batches.Node(Batches.Event())])))).Status);
        var part = (await backend.PartsAsync("acme")).Single();
        var events = backend.Services.GetRequiredService<LensAI.Backend.Parquet.EventStore>();
        var stored = (await events.LocalPathsAsync([part], CancellationToken.None)).Single();
        var old = Path.Combine(backend.DataDirectory, "old-part.parquet");
        using (var connection = backend.Services.GetRequiredService<DuckDbConnectionFactory>().Open())
        {
            connection.Execute("COPY (SELECT * EXCLUDE (usage_estimated) FROM read_parquet($stored)) TO $old (FORMAT PARQUET)", ("stored", stored), ("old", old));
        }

        await backend.Store.PutFileAsync(part, old, CancellationToken.None);
        async Task<JsonElement> Today()
        {
            var response = await http.GetAsync($"v1/report?from={DateTime.UtcNow.AddDays(-1):yyyy-MM-dd}&to={DateTime.UtcNow.AddDays(1):yyyy-MM-dd}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        }

        var before = await Today();
        Assert.Equal(1, before.GetProperty("totals").GetProperty("requests").GetInt64());
        Assert.Equal(0, before.GetProperty("totals").GetProperty("estimated").GetInt64());

        // An abandoned stream: 12 tokens in and 7 out estimated by the SDK. The backend prices the estimate (gpt-4o:
        // 12 × $2.50/1M + 7 × $10/1M = $0.0001), never $0.
        var estimated = Batches.Node(Batches.Event(model: "gpt-4o-2024-08-06", tokensIn: 12, tokensOut: 7) with { UsageEstimated = true, Stream = true, TokensCachedIn = 0 });
        Assert.Equal(200, (await Batches.PostAsync(http, Batches.Content(Batches.Json([estimated])))).Status);
        await backend.Jobs.RunAsync("rollups", CancellationToken.None);

        var report = await Today();
        Assert.Equal(2, report.GetProperty("totals").GetProperty("requests").GetInt64());
        Assert.Equal(1, report.GetProperty("totals").GetProperty("estimated").GetInt64());
        var model = report.GetProperty("by_model").EnumerateArray().Single(m => m.GetProperty("key").GetString() == "gpt-4o-2024-08-06");
        Assert.Equal(1, model.GetProperty("estimated").GetInt64());
        Assert.Equal(0.0001m, model.GetProperty("cost_usd").GetDecimal());
        var raw = await backend.QueryAsync("acme", "SELECT usage_estimated, cost_usd FROM {events} WHERE model = 'gpt-4o-2024-08-06'");
        Assert.Equal(true, Assert.Single(raw)["usage_estimated"]);
    }

    private static readonly DateTimeOffset s_now = new(2026, 11, 21, 12, 30, 0, TimeSpan.Zero);

    /// <summary>
    /// A week of fast calls (80–399 ms, three an hour), today only six of them and one 30 s call alone in its hour,
    /// and one call just before the week's first day.
    /// </summary>
    private static async Task<(TestBackend Backend, HttpClient Http)> SeedWeekAsync()
    {
        var backend = await TestBackend.StartAsync(
            configure: b => b.Services.AddSingleton<TimeProvider>(new FakeTimeProvider(s_now)),
            settings: new() { ["LensAI:Backend:Limits:MaxEventAge"] = "30.00:00:00" });
        var http = backend.Client(await backend.CreateKeyAsync("acme"));
        var calls = new List<(DateTimeOffset Ts, int LatencyMs)> { (new DateTimeOffset(2026, 11, 13, 23, 0, 0, TimeSpan.Zero), 100) };
        var i = 0;
        for (var hour = new DateTimeOffset(2026, 11, 14, 0, 0, 0, TimeSpan.Zero); hour < new DateTimeOffset(2026, 11, 21, 0, 0, 0, TimeSpan.Zero); hour = hour.AddHours(1))
        {
            foreach (var minute in new[] { 10, 20, 40 })
            {
                calls.Add((hour.AddMinutes(minute), 80 + (i++ * 37 % 320)));
            }
        }

        calls.AddRange(new[] { 1, 3, 5, 7, 9, 11 }.Select(h => (new DateTimeOffset(2026, 11, 21, h, 10, 0, TimeSpan.Zero), 150 + h)));
        calls.Add((new DateTimeOffset(2026, 11, 21, 10, 15, 0, TimeSpan.Zero), 30_000));
        var nodes = calls.Select((c, n) =>
        {
            var node = Batches.Node(Batches.Event(ts: c.Ts, model: n % 2 == 0 ? "gpt-4o-2024-08-06" : "gpt-4o-mini-2024-07-18"));
            node["latency_ms"] = c.LatencyMs;
            return node;
        }).ToList();
        foreach (var chunk in nodes.Chunk(200))
        {
            Assert.Equal(200, (await Batches.PostAsync(http, Batches.Content(Batches.Json(chunk)))).Status);
        }

        return (backend, http);
    }

    private static async Task<JsonElement> ReportAsync(HttpClient http, TimeSpan range)
    {
        var from = Uri.EscapeDataString((s_now - range).ToString("O", CultureInfo.InvariantCulture));
        var response = await http.GetAsync($"v1/report?from={from}&to={Uri.EscapeDataString(s_now.ToString("O", CultureInfo.InvariantCulture))}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    [Theory]
    [InlineData(7 * 24, "2026-11-14T00:00:00Z", 511)] // the dashboard's "7 d": all of 14 November, not from 12:30
    [InlineData(24, "2026-11-20T12:00:00Z", 43)] // "24 h": all of the 12:00 hour
    public async Task The_report_starts_at_the_start_of_the_first_bucket_whatever_the_client_sends(int hours, string alignedFrom, long requests)
    {
        var (backend, http) = await SeedWeekAsync();
        await using (backend)
        using (http)
        {
            var report = await ReportAsync(http, TimeSpan.FromHours(hours));
            var from = DateTimeOffset.Parse(alignedFrom, CultureInfo.InvariantCulture);
            Assert.Equal(from, report.GetProperty("from").GetDateTimeOffset());
            var raw = await backend.QueryAsync("acme", "SELECT count(*) AS n FROM {events} WHERE ts >= $from", ("from", from));
            Assert.Equal(requests, (long)raw.Single()["n"]!);
            Assert.Equal(requests, report.GetProperty("totals").GetProperty("requests").GetInt64());
        }
    }

    [Theory]
    [InlineData(7 * 24)]
    [InlineData(24)]
    public async Task Latency_percentiles_over_a_range_are_those_of_all_its_calls_within_the_histogram_ratio(int hours)
    {
        var (backend, http) = await SeedWeekAsync();
        await using (backend)
        using (http)
        {
            var onTheFly = await ReportAsync(http, TimeSpan.FromHours(hours));
            await backend.Jobs.RunAsync("rollups", CancellationToken.None);
            var report = await ReportAsync(http, TimeSpan.FromHours(hours)); // from the stored rollups now
            var from = report.GetProperty("from").GetDateTimeOffset();
            var exact = await backend.QueryAsync("acme", "SELECT coalesce(model, 'all') AS model, quantile_cont(latency_ms, 0.5) AS p50, quantile_cont(latency_ms, 0.95) AS p95 FROM {events} WHERE ts >= $from GROUP BY ROLLUP (model)", ("from", from));
            foreach (var row in exact)
            {
                var item = (string)row["model"]! == "all" ? report.GetProperty("totals")
                    : report.GetProperty("by_model").EnumerateArray().Single(m => m.GetProperty("key").GetString() == (string)row["model"]!);
                foreach (var p in new[] { "p50", "p95" })
                {
                    var truth = (double)row[p]!;
                    Assert.InRange(item.GetProperty("latency_" + p).GetDouble(), truth / LatencyHistogram.Ratio, truth * LatencyHistogram.Ratio);
                }
            }

            Assert.Equal(onTheFly.GetProperty("totals").GetProperty("latency_p95").GetDouble(), report.GetProperty("totals").GetProperty("latency_p95").GetDouble());

            // The former estimate (the highest bucket p95) is the 30 s call's: far outside the bound, so this test catches it.
            var truthP95 = (double)exact.Single(r => (string)r["model"]! == "all")["p95"]!;
            var grain = report.GetProperty("grain").GetString();
            var formerP95 = await backend.Services.GetRequiredService<RollupReader>().QueryAsync("acme", DateOnly.FromDateTime(from.UtcDateTime), DateOnly.FromDateTime(s_now.UtcDateTime), (connection, rollup) =>
            {
                return connection.Query(
                    $"SELECT CAST(max(latency_p95) AS DOUBLE) FROM {rollup} WHERE grain = $grain AND dimension = 'all' AND bucket >= $from",
                    r => r.GetDouble(0),
                    ("grain", grain),
                    ("from", from)).Single();
            }, CancellationToken.None);
            Assert.True(formerP95 > truthP95 * LatencyHistogram.Ratio * 10, $"former p95 {formerP95} vs exact {truthP95}");
        }
    }

    [Fact]
    public async Task A_rollup_written_before_the_histograms_is_read_from_the_events_and_rewritten()
    {
        var (backend, http) = await SeedWeekAsync();
        await using (backend)
        using (http)
        {
            await backend.Jobs.RunAsync("rollups", CancellationToken.None);
            // Turn today's rollup into one of the previous version: no histogram columns, the unversioned signature.
            var key = RollupSchema.Key("acme", "2026-11-21");
            var events = backend.Services.GetRequiredService<LensAI.Backend.Parquet.EventStore>();
            var stored = (await events.LocalPathsAsync([key], CancellationToken.None)).Single();
            var old = Path.Combine(backend.DataDirectory, "old-rollup.parquet");
            using (var connection = backend.Services.GetRequiredService<DuckDbConnectionFactory>().Open())
            {
                connection.Execute("COPY (SELECT * EXCLUDE (latency_hist, ttft_hist) FROM read_parquet($stored)) TO $old (FORMAT PARQUET)", ("stored", stored), ("old", old));
            }

            await backend.Store.PutFileAsync(key, old, CancellationToken.None);
            var parts = (await backend.PartsAsync("acme")).Where(p => p.Contains("dt=2026-11-21", StringComparison.Ordinal)).Order(StringComparer.Ordinal);
            var unversioned = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(string.Join('\n', parts))));
            await backend.Store.PutAsync($"rollups/project=acme/dt=2026-11-21/_covers.sha256", System.Text.Encoding.UTF8.GetBytes(unversioned), CancellationToken.None);

            var report = await ReportAsync(http, TimeSpan.FromHours(24));
            var exact = await backend.QueryAsync("acme", "SELECT quantile_cont(latency_ms, 0.95) AS p95 FROM {events} WHERE ts >= $from", ("from", new DateTimeOffset(2026, 11, 20, 12, 0, 0, TimeSpan.Zero)));
            var truth = (double)exact.Single()["p95"]!;
            Assert.InRange(report.GetProperty("totals").GetProperty("latency_p95").GetDouble(), truth / LatencyHistogram.Ratio, truth * LatencyHistogram.Ratio);
            Assert.Equal(43, report.GetProperty("totals").GetProperty("requests").GetInt64());

            var rerun = await backend.Jobs.RunAsync("rollups", CancellationToken.None);
            Assert.NotNull(rerun);
            Assert.Contains(rerun.Log, l => l.StartsWith("acme/2026-11-21:", StringComparison.Ordinal));
            using var check = backend.Services.GetRequiredService<DuckDbConnectionFactory>().Open();
            var current = (await events.LocalPathsAsync([key], CancellationToken.None)).Single();
            Assert.Equal(1, check.ScalarInt64("SELECT count(*) FROM (DESCRIBE SELECT * FROM read_parquet($file)) WHERE column_name = 'latency_hist'", ("file", current)));
        }
    }
}
