using System.Net;
using System.Text;
using System.Text.Json;
using LensAI.Backend.DuckDb;
using LensAI.Backend.Jobs;
using LensAI.Backend.Parquet;
using LensAI.Backend.Rollups;
using LensAI.Backend.Storage;
using LensAI.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace LensAI.Functions.Tests;

/// <summary>Compaction, rollups and job leases, on the real app and a local store.</summary>
public sealed class JobTests
{
    private static async Task<List<UsageEvent>> IngestAsync(TestBackend backend, string key, int batches, int perBatch, bool resendEach = false)
    {
        var all = new List<UsageEvent>();
        using var http = backend.Client(key);
        var models = new[] { "gpt-4o-mini-2024-07-18", "gpt-4o-2024-08-06", "claude-sonnet-4-5-20250929" };
        for (var b = 0; b < batches; b++)
        {
            var events = Enumerable.Range(0, perBatch).Select(i => Batches.Event(model: models[i % 3], tokensIn: 100 + i, userId: "user-" + (i % 4), route: i % 2 == 0 ? "POST /chat" : "POST /summarize")).ToList();
            all.AddRange(events);
            Assert.Equal(200, (await Batches.PostAsync(http, Batches.Content(Batches.Json(events)))).Status);
            if (resendEach)
            {
                Assert.Equal(200, (await Batches.PostAsync(http, Batches.Content(Batches.Json(events)))).Status);
            }
        }

        return all;
    }

    private const string Totals = "SELECT count(*) AS n, CAST(sum(tokens_in) AS BIGINT) AS tin, CAST(sum(cost_usd) AS DECIMAL(38,9)) AS cost FROM {events}";

    [Fact]
    public async Task Compaction_merges_a_day_into_one_sorted_file_without_duplicates_and_keeps_totals()
    {
        await using var backend = await TestBackend.StartAsync();
        var key = await backend.CreateKeyAsync("acme");
        var sent = await IngestAsync(backend, key, batches: 4, perBatch: 25, resendEach: true);
        Assert.Equal(8, (await backend.PartsAsync("acme")).Count);
        var before = (await backend.QueryAsync("acme", Totals))[0];

        var result = await backend.Jobs.RunAsync("compaction", CancellationToken.None);
        Assert.NotNull(result);
        var parts = await backend.PartsAsync("acme");
        Assert.Single(parts);
        Assert.Equal(before, (await backend.QueryAsync("acme", Totals))[0]);
        var store = (LocalFolderStore)backend.Store;
        var physical = await backend.QueryAsync("acme", "SELECT count(*) AS n, count(DISTINCT event_id) AS d, bool_and(ts >= lag_ts) AS sorted FROM (SELECT event_id, ts, lag(ts, 1, ts) OVER () AS lag_ts FROM read_parquet($part))", ("part", store.PathOf(parts[0])));
        Assert.Equal(100L, physical[0]["n"]);
        Assert.Equal(100L, physical[0]["d"]);
        Assert.Equal(true, physical[0]["sorted"]);
        Assert.Equal(sent.Count, (int)(long)before["n"]!);
    }

    [Fact]
    public async Task A_crash_mid_swap_leaves_a_correct_dataset_and_the_next_run_finishes_the_job()
    {
        FailingDeletes? store = null;
        await using var backend = await TestBackend.StartAsync(store: path => store = new FailingDeletes(new LocalFolderStore(path)));
        var key = await backend.CreateKeyAsync("acme");
        await IngestAsync(backend, key, batches: 3, perBatch: 20, resendEach: true);
        var before = (await backend.QueryAsync("acme", Totals))[0];

        store!.FailAfterDeletes = 2; // the compacted file is up, two old parts deleted, then the process "dies"
        await Assert.ThrowsAsync<ObjectStoreException>(() => backend.Jobs.RunAsync("compaction", CancellationToken.None));
        Assert.Equal(5, (await backend.PartsAsync("acme")).Count); // 1 new + 4 old: readers deduplicate
        Assert.Equal(before, (await backend.QueryAsync("acme", Totals))[0]);

        store.FailAfterDeletes = int.MaxValue;
        await backend.Jobs.RunAsync("compaction", CancellationToken.None);
        Assert.Single(await backend.PartsAsync("acme"));
        Assert.Equal(before, (await backend.QueryAsync("acme", Totals))[0]);
    }

    [Fact]
    public async Task Two_instances_never_run_the_same_job_at_once()
    {
        await using var backend = await TestBackend.StartAsync();
        var lease = await StorageLease.TryAcquireAsync(backend.Store, TimeProvider.System, "job-compaction", "other-instance", TimeSpan.FromMinutes(5), CancellationToken.None);
        Assert.NotNull(lease);
        Assert.Null(await backend.Jobs.RunAsync("compaction", CancellationToken.None)); // skipped: the other instance holds it
        await lease!.ReleaseAsync(CancellationToken.None);
        Assert.NotNull(await backend.Jobs.RunAsync("compaction", CancellationToken.None));
    }

    [Fact]
    public async Task Rollups_match_the_raw_events_and_readers_include_what_arrived_since()
    {
        await using var backend = await TestBackend.StartAsync();
        var key = await backend.CreateKeyAsync("acme");
        await IngestAsync(backend, key, batches: 3, perBatch: 30, resendEach: true);
        await backend.Jobs.RunAsync("rollups", CancellationToken.None);
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        Assert.NotNull(await backend.Store.GetAsync(RollupSchema.Key("acme", today.AddDays(0).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)), CancellationToken.None)
            ?? await backend.Store.GetAsync(RollupSchema.Key("acme", today.AddDays(-1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)), CancellationToken.None));

        await IngestAsync(backend, key, batches: 1, perBatch: 10); // after the rollup: must still be seen
        var raw = await backend.QueryAsync("acme", "SELECT model, count(*) AS n, CAST(sum(tokens_in) AS BIGINT) AS tin, CAST(sum(cost_usd) AS DECIMAL(38,9)) AS cost FROM {events} GROUP BY model ORDER BY model");
        var reader = backend.Services.GetRequiredService<RollupReader>();
        var rolled = await reader.QueryAsync("acme", today.AddDays(-1), today, (connection, rollup) =>
        {
            return connection.Query(
                $"SELECT key, CAST(sum(requests) AS BIGINT), CAST(sum(tokens_in) AS BIGINT), CAST(sum(cost_usd) AS DECIMAL(38,9)) FROM {rollup} WHERE grain = 'hour' AND dimension = 'model' GROUP BY key ORDER BY key",
                r => (r.GetString(0), r.GetInt64(1), r.GetInt64(2), r.GetDecimal(3)));
        }, CancellationToken.None);
        Assert.Equal(raw.Select(r => ((string)r["model"]!, (long)r["n"]!, (long)r["tin"]!, (decimal)r["cost"]!)), rolled);
        Assert.Equal(100L, rolled.Sum(r => r.Item2));
    }

    /// <summary>A store whose deletes start failing after a number of them (a crash in the middle of a swap).</summary>
    private sealed class FailingDeletes(IObjectStore inner) : IObjectStore
    {
        public int FailAfterDeletes { get; set; } = int.MaxValue;

        public string Kind => inner.Kind;

        public Task PutFileAsync(string key, string localPath, CancellationToken cancellationToken) => inner.PutFileAsync(key, localPath, cancellationToken);

        public Task PutAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) => inner.PutAsync(key, content, cancellationToken);

        public Task<string?> PutConditionalAsync(string key, ReadOnlyMemory<byte> content, string? ifMatchETag, CancellationToken cancellationToken) => inner.PutConditionalAsync(key, content, ifMatchETag, cancellationToken);

        public Task<StoredObject?> GetAsync(string key, CancellationToken cancellationToken) => inner.GetAsync(key, cancellationToken);

        public Task<bool> DownloadToFileAsync(string key, string localPath, CancellationToken cancellationToken) => inner.DownloadToFileAsync(key, localPath, cancellationToken);

        public IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, CancellationToken cancellationToken) => inner.ListAsync(prefix, cancellationToken);

        public Task DeleteAsync(string key, CancellationToken cancellationToken)
        {
            if (key.StartsWith("events/", StringComparison.Ordinal) && FailAfterDeletes-- <= 0)
            {
                throw new ObjectStoreException("simulated crash during delete of " + key);
            }

            return inner.DeleteAsync(key, cancellationToken);
        }
    }
}
