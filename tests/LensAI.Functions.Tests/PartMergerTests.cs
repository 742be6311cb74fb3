using LensAI.Backend.Jobs;
using LensAI.Backend.Parquet;
using LensAI.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace LensAI.Functions.Tests;

/// <summary>Size-tiered merging of a day's parts while ingest runs (bounded parts), on the real app and a local store.</summary>
public sealed class PartMergerTests
{
    private const string Totals = "SELECT count(*) AS n, count(DISTINCT event_id) AS d, CAST(sum(tokens_in) AS BIGINT) AS tin FROM {events}";

    private static readonly Dictionary<string, string?> s_merging = new()
    {
        ["LensAI:Backend:Writer:FlushWindow"] = "00:00:00", // one part per batch: the worst case for part counts
        ["LensAI:Backend:Writer:MergeAfterParts"] = "4",
        ["LensAI:Backend:Writer:MergeFactor"] = "4",
    };

    [Fact]
    public void Tiers_grow_by_the_factor_from_the_base_size()
    {
        Assert.Equal([0, 0, 1, 1, 2, 3], new long[] { 0, 65_535, 65_536, 524_287, 524_288, 4 * 1024 * 1024 }.Select(size => PartMerger.Tier(size, 65_536, 8)));
    }

    [Fact]
    public async Task Parts_stay_few_under_concurrent_ingest_and_every_event_is_read_once()
    {
        await using var backend = await TestBackend.StartAsync(settings: s_merging);
        var key = await backend.CreateKeyAsync("acme");
        var sent = await IngestConcurrentlyAsync(backend, key, clients: 4, batchesEach: 15, perBatch: 5);

        var parts = await SettleAsync(backend, "acme");
        Assert.InRange(parts, 1, 3 + 3); // < MergeFactor per tier: a few tiny parts plus their merged files
        var totals = (await backend.QueryAsync("acme", Totals))[0];
        Assert.Equal((long)sent.Count, totals["n"]);
        Assert.Equal((long)sent.Count, totals["d"]);
        Assert.Equal(sent.Sum(e => (long)e.TokensIn), totals["tin"]);
        Assert.Equal((long)sent.Count, await RawRowsAsync(backend, "acme")); // nothing stored twice either
    }

    [Fact]
    public async Task Two_mergers_racing_with_ingest_on_one_partition_never_lose_or_double_an_event()
    {
        await using var backend = await TestBackend.StartAsync(settings: new() { ["LensAI:Backend:Writer:FlushWindow"] = "00:00:00", ["LensAI:Backend:Writer:MergeAfterParts"] = "0" });
        var key = await backend.CreateKeyAsync("acme");
        var events = backend.Services.GetRequiredService<EventStore>();
        var options = new EventWriterOptions { MergeFactor = 2 };
        await using var first = new PartMerger(events, options, TimeProvider.System, Path.Combine(backend.DataDirectory, "m1"), NullLogger<PartMerger>.Instance);
        await using var second = new PartMerger(events, options, TimeProvider.System, Path.Combine(backend.DataDirectory, "m2"), NullLogger<PartMerger>.Instance);
        var day = DateOnly.FromDateTime(DateTime.UtcNow);

        var sent = await IngestConcurrentlyAsync(backend, key, clients: 2, batchesEach: 6, perBatch: 5);
        var ingest = IngestConcurrentlyAsync(backend, key, clients: 2, batchesEach: 6, perBatch: 5);
        var merges = await Task.WhenAll(first.MergeAsync("acme", day, CancellationToken.None), second.MergeAsync("acme", day, CancellationToken.None));
        sent.AddRange(await ingest);

        Assert.Contains(merges, m => m is > 0); // one of them held the lease and merged
        Assert.NotNull(await first.MergeAsync("acme", day, CancellationToken.None) ?? await second.MergeAsync("acme", day, CancellationToken.None));
        Assert.True((await backend.PartsAsync("acme")).Count < 2 * 4, "full tiers merged");
        var totals = (await backend.QueryAsync("acme", Totals))[0];
        Assert.Equal((long)sent.Count, totals["n"]);
        Assert.Equal(sent.Sum(e => (long)e.TokensIn), totals["tin"]);
        Assert.Equal((long)sent.Count, await RawRowsAsync(backend, "acme"));
    }

    private static async Task<List<UsageEvent>> IngestConcurrentlyAsync(TestBackend backend, string key, int clients, int batchesEach, int perBatch)
    {
        var all = new List<UsageEvent>();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async c =>
        {
            using var http = backend.Client(key);
            for (var b = 0; b < batchesEach; b++)
            {
                var batch = Enumerable.Range(0, perBatch).Select(i => Batches.Event(tokensIn: 100 + (c * 1000) + (b * 10) + i)).ToList();
                Assert.Equal(200, (await Batches.PostAsync(http, Batches.Content(Batches.Json(batch)))).Status);
                lock (all)
                {
                    all.AddRange(batch);
                }
            }
        }));
        return all;
    }

    /// <summary>Waits (with a deadline) until this instance's merger is idle and the partition has no full tier; returns its part count.</summary>
    private static async Task<int> SettleAsync(TestBackend backend, string project)
    {
        var merger = backend.Services.GetRequiredService<PartMerger>();
        var day = DateOnly.FromDateTime(DateTime.UtcNow);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await merger.MergeAsync(project, day, CancellationToken.None) is null)
        {
            Assert.True(DateTime.UtcNow < deadline, "the background merge never finished");
            await Task.Delay(50);
        }

        return (await backend.PartsAsync(project)).Count;
    }

    private static async Task<long> RawRowsAsync(TestBackend backend, string project)
    {
        var rows = await backend.QueryAsync(project, "SELECT count(*) AS n FROM read_parquet($files)");
        return (long)rows[0]["n"]!;
    }
}
