using System.Text;
using LensAI.Testing;

namespace LensAI.Tests.Shipping;

/// <summary>Shipping against a real Kestrel server on 127.0.0.1: retries, spool, replay, bounds, shutdown.</summary>
public sealed class ShippingTests : IDisposable
{
    private readonly string _spool = Path.Combine(Path.GetTempPath(), "lensai-spool-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_spool))
        {
            Directory.Delete(_spool, recursive: true);
        }
    }

    private LensAIOptions Options(Uri endpoint, Action<LensAIOptions>? configure = null)
    {
        var options = new LensAIOptions
        {
            Endpoint = endpoint,
            ApiKey = "lsk_test_secret",
            SpoolDirectory = _spool,
            RetryBaseDelay = TimeSpan.FromMilliseconds(5),
            MaxBatchDelay = TimeSpan.FromMilliseconds(20),
            RequestTimeout = TimeSpan.FromSeconds(5),
            SpoolReplayInterval = TimeSpan.FromMilliseconds(50),
            CircuitBreakDuration = TimeSpan.FromMilliseconds(500),
        };
        configure?.Invoke(options);
        return options;
    }

    private static LensAIClient Client(LensAIOptions options) => new(options, null, TimeProvider.System, retryJitter: () => 0.5);

    private static async Task<List<UsageEvent>> CaptureAsync(LensAIClient lens, int calls, string user = "u")
    {
        var captured = new List<UsageEvent>();
        lens.Engine.Recorded = e =>
        {
            lock (captured)
            {
                captured.Add(e);
            }
        };
        using var http = new HttpClient(lens.CreateHandler(StubHandler.Returning(Fixtures.Bytes("anthropic/messages-cache-write-and-read.json"), "application/json")));
        using var _ = lens.BeginScope(userId: user, route: "POST /chat", metadata: new Dictionary<string, string> { ["conversation"] = "c-1" });
        for (var i = 0; i < calls; i++)
        {
            using var response = await http.PostAsync("https://api.anthropic.com/v1/messages", new StringContent("""{"model":"claude-sonnet-4-5"}""", Encoding.UTF8, "application/json"));
            await response.Content.ReadAsByteArrayAsync();
        }

        lens.Engine.Recorded = null;
        return captured;
    }

    [Fact]
    public async Task Events_arrive_as_gzip_json_with_the_key_and_every_contract_field()
    {
        await using var ingest = await IngestStub.StartAsync();
        await using var lens = Client(Options(ingest.Endpoint));
        var events = await CaptureAsync(lens, 3);

        Assert.True(await lens.FlushAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("Bearer lsk_test_secret", ingest.LastAuthorization);
        await Eventually.TrueAsync(() => ingest.StatusPolls >= 1, because: "the budget poller asks the same backend, beside ingest");
        Assert.Equal("gzip", ingest.LastContentEncoding);
        Assert.Equal(3, ingest.Stored.Count);

        var sent = events[0];
        var wire = ingest.Stored[sent.EventId];
        var names = wire.EnumerateObject().Select(p => p.Name).ToHashSet();
        foreach (var field in new[] { "event_id", "ts", "project_id", "request_id", "user_id", "route", "provider", "model", "operation", "stream", "tokens_in", "tokens_out", "tokens_cached_in", "tokens_cache_write", "tokens_reasoning", "cost_usd", "price_version", "latency_ms", "ttft_ms", "status", "http_status", "metadata", "sdk" })
        {
            Assert.Contains(field, names);
        }

        Assert.Equal("anthropic", wire.GetProperty("provider").GetString());
        Assert.Equal("ok", wire.GetProperty("status").GetString());
        Assert.Equal(sent.TokensIn, wire.GetProperty("tokens_in").GetInt32());
        Assert.Equal(sent.TokensCachedIn, wire.GetProperty("tokens_cached_in").GetInt32());
        Assert.Equal(sent.CostUsd, wire.GetProperty("cost_usd").GetDecimal());
        Assert.Equal("c-1", wire.GetProperty("metadata").GetProperty("conversation").GetString());
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$", wire.GetProperty("ts").GetString());
    }

    [Fact]
    public async Task Transient_failures_are_retried_and_nothing_is_lost_or_duplicated()
    {
        await using var ingest = await IngestStub.StartAsync();
        ingest.ThenRespond(503);
        ingest.ThenRespond(429, retryAfter: "0");
        ingest.ThenStoreButFail(); // stored, but the acknowledgement is lost: the re-send must not duplicate
        ingest.ThenRespond(500);
        await using var lens = Client(Options(ingest.Endpoint, o => o.MaxBatchDelay = TimeSpan.FromSeconds(5))); // one batch: the flush sends it
        var events = await CaptureAsync(lens, 5);

        Assert.True(await lens.FlushAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(events.Select(e => e.EventId).Order(), ingest.Stored.Keys.Order());
        Assert.Equal(5, ingest.Requests);
        Assert.Equal(5, ingest.Duplicates); // the re-sent batch was deduped by event_id on the server
        Assert.Empty(Directory.GetFiles(_spool, "*.json.gz"));
    }

    [Fact]
    public async Task Backend_down_spools_to_disk_and_a_new_client_replays_after_restart()
    {
        List<UsageEvent> events;
        Uri endpoint;
        await using (var down = await IngestStub.StartAsync())
        {
            endpoint = down.Endpoint;
        }

        // Nothing listens on that port now.
        var first = Client(Options(endpoint, o => o.MaxRetryAttempts = 1));
        using (var metrics = new MetricCollector(first.Metrics.Meter))
        {
            events = await CaptureAsync(first, 4);
            Assert.False(await first.FlushAsync(TimeSpan.FromSeconds(10)));
            Assert.Equal(4, metrics.Sum("lensai.events.spooled"));
            await first.DisposeAsync(); // the process goes away
        }

        Assert.NotEmpty(Directory.GetFiles(_spool, "*.json.gz"));

        await using var ingest = await IngestStub.StartAsync();
        await using var second = Client(Options(ingest.Endpoint));
        await Eventually.TrueAsync(() => ingest.Stored.Count == 4, because: "the new client replays the spool on start");
        Assert.Equal(events.Select(e => e.EventId).Order(), ingest.Stored.Keys.Order());
        await Eventually.TrueAsync(() => Directory.GetFiles(_spool, "*.json.gz", SearchOption.AllDirectories).Length == 0);
    }

    [Fact]
    public async Task During_an_outage_batches_go_to_disk_and_the_same_client_replays_them_when_it_ends()
    {
        await using var ingest = await IngestStub.StartAsync();
        var down = true;
        ingest.Gate = ctx =>
        {
            if (Volatile.Read(ref down))
            {
                ctx.Response.StatusCode = 503;
                return ctx.Response.CompleteAsync();
            }

            return Task.CompletedTask;
        };
        await using var lens = Client(Options(ingest.Endpoint, o => o.MaxRetryAttempts = 1));
        var events = new List<UsageEvent>();
        for (var round = 0; round < 3; round++)
        {
            events.AddRange(await CaptureAsync(lens, 5));
            Assert.False(await lens.FlushAsync(TimeSpan.FromSeconds(10)));
        }

        var requestsDuringOutage = ingest.Requests;
        Assert.Empty(ingest.Stored);
        Volatile.Write(ref down, false);
        await Eventually.TrueAsync(() => ingest.Stored.Count == 15, because: "the replay loop probes the endpoint and drains the spool");
        Assert.Equal(events.Select(e => e.EventId).Order(), ingest.Stored.Keys.Order());
        Assert.True(await lens.FlushAsync(TimeSpan.FromSeconds(10)));
        Assert.True(requestsDuringOutage < 15, $"batches in an outage should not each wait on retries ({requestsDuringOutage} requests)");
    }

    [Fact]
    public async Task Bad_batch_is_not_retried_and_is_counted_as_rejected()
    {
        await using var ingest = await IngestStub.StartAsync();
        ingest.ThenRespond(400, """{"title":"Invalid batch","errors":[{"index":0,"errors":[{"pointer":"/events/0/tokens_in","message":"must be >= 0"}]}]}""");
        await using var lens = Client(Options(ingest.Endpoint));
        using var metrics = new MetricCollector(lens.Metrics.Meter);
        await CaptureAsync(lens, 2);

        Assert.False(await lens.FlushAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(1, ingest.Requests);
        Assert.Equal(2, metrics.Sum("lensai.events.dropped", "rejected"));
        Assert.Empty(Directory.GetFiles(_spool, "*.json.gz"));
    }

    [Fact]
    public async Task Too_large_batch_is_split()
    {
        await using var ingest = await IngestStub.StartAsync();
        ingest.ThenRespond(413);
        await using var lens = Client(Options(ingest.Endpoint, o => o.MaxBatchDelay = TimeSpan.FromSeconds(30)));
        await CaptureAsync(lens, 6);

        Assert.True(await lens.FlushAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(6, ingest.Stored.Count);
        Assert.Equal(new[] { 6, 3, 3 }.Skip(1), ingest.BatchSizes.ToArray()); // the 413 batch was not stored; its halves were
    }

    [Fact]
    public async Task Refused_key_keeps_the_events_in_the_spool()
    {
        await using var ingest = await IngestStub.StartAsync();
        ingest.ThenRespond(401);
        ingest.ThenRespond(401);
        await using var lens = Client(Options(ingest.Endpoint, o => o.SpoolReplayInterval = TimeSpan.FromHours(1)));
        await CaptureAsync(lens, 2);

        Assert.False(await lens.FlushAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(2, ingest.Requests); // 401 is not retried; the flush tried the spool once more
        Assert.Empty(ingest.Stored);
        Assert.Single(Directory.GetFiles(_spool, "*.json.gz")); // kept until the key is fixed
    }

    [Fact]
    public async Task Flood_past_capacity_stays_bounded_and_counts_drops()
    {
        await using var ingest = await IngestStub.StartAsync();
        var release = new TaskCompletionSource();
        ingest.Gate = _ => release.Task; // the backend hangs
        await using var lens = Client(Options(ingest.Endpoint, o =>
        {
            o.QueueCapacity = 100;
            o.MaxBatchSize = 50;
            o.EnableSpool = false;
            o.RequestTimeout = TimeSpan.FromSeconds(30);
        }));
        using var metrics = new MetricCollector(lens.Metrics.Meter);

        var template = (await CaptureAsync(lens, 1))[0];
        await Eventually.TrueAsync(() => ingest.Requests == 1, because: "the first batch is in flight and stuck");
        for (var i = 0; i < 10_000; i++)
        {
            lens.Pipeline.TryEnqueue(template); // the hot path: never blocks
        }

        Assert.True(lens.Pipeline.QueueLength <= 100);
        Assert.Equal(10_000 - 100 + (100 - lens.Pipeline.QueueLength), metrics.Sum("lensai.events.dropped", "queue_full"));
        release.SetResult();
    }

    [Fact]
    public async Task Dispose_ships_what_is_buffered()
    {
        await using var ingest = await IngestStub.StartAsync();
        var lens = Client(Options(ingest.Endpoint, o => o.MaxBatchDelay = TimeSpan.FromHours(1)));
        await CaptureAsync(lens, 7);
        Assert.Empty(ingest.Stored);

        await lens.DisposeAsync();
        Assert.Equal(7, ingest.Stored.Count);
        await lens.DisposeAsync(); // idempotent
    }

    [Fact]
    public async Task Dispose_spools_what_it_cannot_ship_in_time()
    {
        await using var ingest = await IngestStub.StartAsync();
        var release = new TaskCompletionSource();
        ingest.Gate = _ => release.Task;
        var lens = Client(Options(ingest.Endpoint, o =>
        {
            o.ShutdownTimeout = TimeSpan.FromMilliseconds(300);
            o.MaxBatchDelay = TimeSpan.FromHours(1);
        }));
        await CaptureAsync(lens, 3);

        await lens.DisposeAsync();
        release.SetResult();
        Assert.Single(Directory.GetFiles(_spool, "*.json.gz", SearchOption.AllDirectories));
    }
}
