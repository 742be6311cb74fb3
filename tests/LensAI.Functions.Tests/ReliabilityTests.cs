using System.Text;
using LensAI.Backend.Storage;
using LensAI.Testing;

namespace LensAI.Functions.Tests;

/// <summary>Storage faults, re-sends and throttling: nothing lost, nothing counted twice.</summary>
public sealed class ReliabilityTests
{
    private static async Task<List<UsageEvent>> SendThroughSdkAsync(TestBackend backend, string key, int calls, Action<LensAIOptions>? configure = null)
    {
        var sent = new List<UsageEvent>();
        var options = new LensAIOptions { Endpoint = backend.BaseAddress, ApiKey = key, EnableSpool = false, RetryBaseDelay = TimeSpan.FromMilliseconds(10), MaxBatchDelay = TimeSpan.FromSeconds(30) };
        configure?.Invoke(options);
        await using var lens = LensAIClient.Create(options);
        lens.Recorded += (_, e) => sent.Add(e);
        using var http = new HttpClient(lens.CreateHandler(StubHandler.Returning(Fixtures.Bytes("openai/chat-completion-basic.json"), "application/json")));
        for (var i = 0; i < calls; i++)
        {
            using var response = await http.PostAsync("https://api.openai.com/v1/chat/completions", new StringContent("{}", Encoding.UTF8, "application/json"));
            await response.Content.ReadAsByteArrayAsync();
        }

        Assert.True(await lens.FlushAsync(TimeSpan.FromSeconds(30)), "the SDK delivered everything in the end");
        return sent;
    }

    [Fact]
    public async Task Storage_failure_mid_batch_is_503_with_nothing_written_and_the_sdk_retry_lands_one_copy()
    {
        FaultyStore? faulty = null;
        await using var backend = await TestBackend.StartAsync(
            store: path => faulty = new FaultyStore(new LocalFolderStore(path)),
            settings: new() { ["LensAI:Backend:StorageRetryAfter"] = "00:00:01" });
        var key = await backend.CreateKeyAsync("acme");

        // Direct: a failing upload answers 503 with Retry-After, and no object (not even a partial one) appears.
        faulty!.FailNextPuts = 1;
        using (var http = backend.Client(key))
        {
            var (status, body, response) = await Batches.PostAsync(http, Batches.Content(Batches.Json([Batches.Event()])));
            Assert.Equal(503, status);
            Assert.Equal("1", response.Headers.GetValues("Retry-After").Single());
            Assert.Contains("nothing was kept", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        Assert.Empty(await backend.PartsAsync("acme"));
        Assert.Empty(Directory.GetFiles(Path.Combine(backend.DataDirectory, "store"), "*.parquet", SearchOption.AllDirectories));

        // Through the SDK: the first two uploads fail, its retry lands exactly one copy.
        faulty.FailNextPuts = 2;
        var sent = await SendThroughSdkAsync(backend, key, 20);
        var rows = await backend.QueryAsync("acme", "SELECT event_id FROM {events}");
        Assert.Equal(sent.Select(e => e.EventId).Order(), rows.Select(r => (string)r["event_id"]!).Order());
        var physical = await backend.QueryAsync("acme", "SELECT count(*) AS n FROM read_parquet($glob)", ("glob", Path.Combine(backend.DataDirectory, "store", "events") + "/**/*.parquet"));
        Assert.Equal(20L, physical[0]["n"]);
    }

    [Fact]
    public async Task A_storage_timeout_is_503_not_a_hang()
    {
        FaultyStore? faulty = null;
        await using var backend = await TestBackend.StartAsync(
            store: path => faulty = new FaultyStore(new LocalFolderStore(path)),
            settings: new() { ["LensAI:Backend:Writer:StorageTimeout"] = "00:00:00.500" });
        var key = await backend.CreateKeyAsync("acme");
        faulty!.Hang = new TaskCompletionSource();
        using var http = backend.Client(key);
        var (status, body, _) = await Batches.PostAsync(http, Batches.Content(Batches.Json([Batches.Event()])));
        Assert.Equal(503, status);
        Assert.Contains("timed out", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        faulty.Hang.SetResult();
    }

    [Fact]
    public async Task A_batch_resent_after_a_lost_acknowledgement_is_counted_once_by_every_reader()
    {
        await using var backend = await TestBackend.StartAsync();
        var key = await backend.CreateKeyAsync("acme");
        var events = Enumerable.Range(0, 50).Select(_ => Batches.Event()).ToList();
        using var http = backend.Client(key);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(200, (await Batches.PostAsync(http, Batches.Content(Batches.Json(events)))).Status);
        }

        Assert.Equal(3, (await backend.PartsAsync("acme")).Count); // stored three times physically…
        var rows = await backend.QueryAsync("acme", "SELECT count(*) AS n, CAST(sum(tokens_in) AS BIGINT) AS t FROM {events}");
        Assert.Equal(50L, rows[0]["n"]); // …read once
        Assert.Equal(events.Sum(e => (long)e.TokensIn), rows[0]["t"]);
    }

    [Fact]
    public async Task Each_key_is_rate_limited_with_429_and_retry_after()
    {
        await using var backend = await TestBackend.StartAsync(settings: new() { ["LensAI:Backend:RateLimitPerSecond"] = "1", ["LensAI:Backend:RateLimitBurst"] = "3" });
        var limited = await backend.CreateKeyAsync("acme");
        var other = await backend.CreateKeyAsync("globex");
        using var http = backend.Client(limited);
        var statuses = new List<int>();
        HttpResponseMessage? last = null;
        var elapsed = System.Diagnostics.Stopwatch.StartNew();
        while (statuses.Count < 50 && !statuses.Contains(429))
        {
            (var status, _, last) = await Batches.PostAsync(http, Batches.Content(Batches.Json([Batches.Event()])));
            statuses.Add(status);
        }

        Assert.Contains(429, statuses);
        // A burst of 3, plus at most one token a second replenished meanwhile (the limiter's own clock).
        Assert.InRange(statuses.Count(s => s == 200), 3, 3 + (int)Math.Ceiling(elapsed.Elapsed.TotalSeconds) + 1);
        Assert.True(int.Parse(last!.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) >= 1);
        using var otherHttp = backend.Client(other);
        Assert.Equal(200, (await Batches.PostAsync(otherHttp, Batches.Content(Batches.Json([Batches.Event()])))).Status); // another key has its own bucket
    }
}
