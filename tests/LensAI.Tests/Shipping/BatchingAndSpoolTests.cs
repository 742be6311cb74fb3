using LensAI.Diagnostics;
using LensAI.Shipping;
using LensAI.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace LensAI.Tests.Shipping;

public sealed class BatchingAndSpoolTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "lensai-spool-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private static UsageEvent Event(int i) => new()
    {
        EventId = EventIds.NewUlid(DateTimeOffset.UtcNow) + i,
        Timestamp = DateTimeOffset.UtcNow,
        Provider = "openai",
        Model = "gpt-4o-mini",
        Operation = "chat",
        Sdk = "test",
        TokensIn = i,
    };

    [Fact]
    public async Task Batches_close_at_max_size_or_after_max_delay_on_the_clock()
    {
        var time = new FakeTimeProvider();
        await using var ingest = await IngestStub.StartAsync();
        var options = new LensAIOptions { Endpoint = ingest.Endpoint, ApiKey = "k", MaxBatchSize = 3, MaxBatchDelay = TimeSpan.FromSeconds(10), EnableSpool = false };
        options.Budgets.Enabled = false; // only the batcher's timer on this clock (the budget poller has its own)
        await using var lens = new LensAIClient(options, null, time);

        for (var i = 0; i < 7; i++)
        {
            Assert.True(lens.Pipeline.TryEnqueue(Event(i)));
        }

        await Eventually.TrueAsync(() => ingest.BatchSizes.Count == 2 && time.ActiveTimers == 1, because: "two full batches ship at once; the third waits on the delay timer");
        Assert.Equal([3, 3], ingest.BatchSizes.ToArray());
        Assert.Equal(6, ingest.Stored.Count);

        time.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(6, ingest.Stored.Count);
        time.Advance(TimeSpan.FromSeconds(1));
        await Eventually.TrueAsync(() => ingest.Stored.Count == 7, because: "the delay elapsed on the fake clock");
        Assert.Equal([3, 3, 1], ingest.BatchSizes.ToArray());
    }

    private DiskSpool Spool(TimeProvider time, LensAIMetrics metrics, OverflowPolicy policy = OverflowPolicy.DropOldest, long maxBytes = 1024 * 1024)
        => new(_dir, maxBytes, TimeSpan.FromHours(48), policy, time, metrics, NullLogger.Instance);

    [Fact]
    public void Spool_leases_oldest_first_and_a_new_instance_recovers_abandoned_leases()
    {
        var time = new FakeTimeProvider();
        using var metrics = new LensAIMetrics(() => 0, () => 0);
        var spool = Spool(time, metrics);
        for (var i = 0; i < 3; i++)
        {
            Assert.True(spool.TryWrite(BatchSerializer.Serialize([Event(i)]), 1));
            time.Advance(TimeSpan.FromSeconds(1));
        }

        var lease = spool.TryLeaseOldest()!;
        Assert.Equal(0, BatchSerializer.Deserialize(lease.Payload)[0].TokensIn);
        // the process dies holding the lease; a new one starts on the same folder
        var recovered = Spool(time, metrics);
        var order = new List<int>();
        while (recovered.TryLeaseOldest() is { } l)
        {
            order.Add(BatchSerializer.Deserialize(l.Payload)[0].TokensIn);
            l.Complete();
        }

        Assert.Equal([0, 1, 2], order);
        Assert.True(recovered.IsEmpty);
        Assert.Equal(0, recovered.Bytes);
    }

    [Theory]
    [InlineData(OverflowPolicy.DropOldest, new[] { 1, 2 })]
    [InlineData(OverflowPolicy.DropNewest, new[] { 0, 1 })]
    public void Full_spool_gives_way_by_policy_and_counts(OverflowPolicy policy, int[] kept)
    {
        var time = new FakeTimeProvider();
        using var metrics = new LensAIMetrics(() => 0, () => 0);
        using var collector = new MetricCollector(metrics.Meter);
        var payloads = Enumerable.Range(0, 3).Select(i => (i, bytes: new byte[400_000].Concat(BatchSerializer.Serialize([Event(i)])).ToArray())).ToList();
        var spool = Spool(time, metrics, policy, maxBytes: 1024 * 1024);
        foreach (var (i, bytes) in payloads)
        {
            spool.TryWrite(bytes, 5);
            time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.True(spool.Bytes <= 1024 * 1024);
        var left = new List<int>();
        while (spool.TryLeaseOldest() is { } l)
        {
            left.Add(payloads.Single(p => p.bytes.AsSpan().SequenceEqual(l.Payload)).i);
            l.Complete();
        }

        Assert.Equal(kept, left);
        Assert.Equal(5, collector.Sum("lensai.events.dropped", "spool_full"));
    }

    [Fact]
    public void Spooled_batches_older_than_max_age_expire_and_are_counted()
    {
        var time = new FakeTimeProvider();
        using var metrics = new LensAIMetrics(() => 0, () => 0);
        using var collector = new MetricCollector(metrics.Meter);
        var spool = Spool(time, metrics);
        spool.TryWrite(BatchSerializer.Serialize([Event(1)]), 1);
        time.Advance(TimeSpan.FromHours(49));
        Assert.Null(spool.TryLeaseOldest());
        Assert.Equal(1, collector.Sum("lensai.events.dropped", "expired"));
    }
}

public sealed class OptionsTests
{
    [Fact]
    public void Bad_options_fail_at_creation_naming_each_option()
    {
        var ex = Assert.Throws<ArgumentException>(() => LensAIClient.Create(new LensAIOptions
        {
            Endpoint = new Uri("ftp://x"),
            QueueCapacity = 0,
            MaxBatchSize = 20_000,
            MaxBatchDelay = TimeSpan.Zero,
        }));
        Assert.Contains("LensAI:Endpoint", ex.Message);
        Assert.Contains("LensAI:ApiKey", ex.Message);
        Assert.Contains("LensAI:QueueCapacity", ex.Message);
        Assert.Contains("LensAI:MaxBatchSize", ex.Message);
        Assert.Contains("LensAI:MaxBatchDelay", ex.Message);
    }

    [Fact]
    public void A_price_override_without_a_model_is_refused()
    {
        var options = new LensAIOptions();
        options.PriceOverrides.Add(new LensAI.Pricing.ModelPrice { Provider = "openai", InputPerMillion = 1 });
        Assert.Contains("LensAI:PriceOverrides:0", Assert.Throws<ArgumentException>(() => LensAIClient.Create(options)).Message);
    }
}
