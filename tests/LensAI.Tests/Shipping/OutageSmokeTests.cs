using System.Diagnostics;
using System.Text;
using LensAI.Testing;

namespace LensAI.Tests.Shipping;

/// <summary>
/// A short version of the outage soak (tests/LensAI.Benchmarks, <c>outage</c>): calls keep coming at a steady pace
/// while the ingest endpoint is down, and once it is back every event arrives exactly once — spooled, then replayed,
/// nothing dropped. The soak itself runs two minutes at 5,000 calls/s and measures the heap; this only checks the path.
/// </summary>
public sealed class OutageSmokeTests : IDisposable
{
    private readonly string _spool = Path.Combine(Path.GetTempPath(), "lensai-smoke-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_spool))
        {
            Directory.Delete(_spool, recursive: true);
        }
    }

    [Fact]
    public async Task Steady_calls_through_an_outage_are_spooled_then_all_delivered_once()
    {
        const int Calls = 4_000;
        const int PerSecond = 4_000;
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

        var options = new LensAIOptions
        {
            Endpoint = ingest.Endpoint,
            ApiKey = "lsk_test_smoke",
            SpoolDirectory = _spool,
            MaxBatchSize = 200,
            MaxBatchDelay = TimeSpan.FromMilliseconds(50),
            RetryBaseDelay = TimeSpan.FromMilliseconds(5),
            SpoolReplayInterval = TimeSpan.FromMilliseconds(100),
            CircuitBreakDuration = TimeSpan.FromMilliseconds(500),
        };
        options.Budgets.Enabled = false;
        await using var lens = new LensAIClient(options, null, TimeProvider.System, retryJitter: () => 0.5);
        using var metrics = new MetricCollector(lens.Metrics.Meter);
        var ids = new HashSet<string>();
        lens.Recorded += (_, e) =>
        {
            lock (ids)
            {
                ids.Add(e.EventId);
            }
        };

        using var http = new HttpClient(lens.CreateHandler(StubHandler.Returning(Fixtures.Bytes("openai/chat-completion-basic.json"), "application/json")));
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < Calls; i++)
        {
            using var response = await http.PostAsync("https://api.openai.com/v1/chat/completions", new StringContent("""{"model":"gpt-4o-mini"}""", Encoding.UTF8, "application/json"));
            await response.Content.ReadAsByteArrayAsync();
            if (i % 100 == 99 && clock.Elapsed.TotalSeconds < (i + 1.0) / PerSecond)
            {
                await Task.Delay(TimeSpan.FromSeconds(((i + 1.0) / PerSecond) - clock.Elapsed.TotalSeconds)); // pacing the load, not waiting for a result
            }
        }

        Assert.False(await lens.FlushAsync(TimeSpan.FromSeconds(10)), "nothing can be delivered while the endpoint is down");
        Assert.Equal(Calls, metrics.Sum("lensai.events.spooled"));
        Assert.Empty(ingest.Stored);

        Volatile.Write(ref down, false);
        await Eventually.TrueAsync(() => ingest.Stored.Count == Calls, TimeSpan.FromSeconds(30), because: "the replay drains the spool once the endpoint answers");
        Assert.True(await lens.FlushAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(ids.Order(), ingest.Stored.Keys.Order());
        Assert.Equal(0, metrics.Sum("lensai.events.dropped"));
        Assert.Empty(Directory.GetFiles(_spool, "*.json.gz", SearchOption.AllDirectories));
    }
}
