using System.Net.Http.Headers;
using BenchmarkDotNet.Attributes;
using LensAI;

namespace LensAI.Benchmarks;

/// <summary>
/// The SDK's overhead per LLM call: the same request through an in-memory handler returning a real recorded
/// response, untracked (baseline) and through LensAI's handler (capture, usage parse, pricing, enqueue).
/// </summary>
[MemoryDiagnoser]
public class HandlerOverheadBenchmarks
{
    private static readonly Uri s_url = new("https://api.openai.com/v1/chat/completions");
    private static readonly byte[] s_request = """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say hello."}]}"""u8.ToArray();
    private static readonly MediaTypeHeaderValue s_json = new("application/json");
    private HttpMessageInvoker _untracked = null!;
    private HttpMessageInvoker _tracked = null!;
    private LensAIClient _lens = null!;
    private byte[] _buffer = null!;

    [GlobalSetup]
    public void Setup()
    {
        var body = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "fixtures", "chat-completion-basic.json"));
        _lens = LensAIClient.Create(new LensAIOptions()); // no endpoint: captured, priced, queued; the queue drains in the background
        _untracked = new HttpMessageInvoker(new FixtureHandler(body, "application/json"));
        _tracked = new HttpMessageInvoker(_lens.CreateHandler(new FixtureHandler(body, "application/json")));
        _buffer = new byte[16 * 1024];
    }

    [GlobalCleanup]
    public void Cleanup() => _lens.Dispose();

    [Benchmark(Baseline = true)]
    public Task<int> Untracked() => CallAsync(_untracked);

    [Benchmark]
    public Task<int> Tracked() => CallAsync(_tracked);

    private async Task<int> CallAsync(HttpMessageInvoker invoker)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, s_url) { Content = new ByteArrayContent(s_request) };
        request.Content.Headers.ContentType = s_json;
        using var response = await invoker.SendAsync(request, CancellationToken.None);
        using var stream = await response.Content.ReadAsStreamAsync();
        var total = 0;
        int n;
        while ((n = await stream.ReadAsync(_buffer)) > 0)
        {
            total += n;
        }

        return total;
    }
}

/// <summary>Streaming: a recorded SSE chat stream read in 64-byte chunks, untracked vs through LensAI's tee.</summary>
[MemoryDiagnoser]
public class StreamingOverheadBenchmarks
{
    private static readonly Uri s_url = new("https://api.openai.com/v1/chat/completions");
    private HttpMessageInvoker _untracked = null!;
    private HttpMessageInvoker _tracked = null!;
    private LensAIClient _lens = null!;
    private readonly byte[] _buffer = new byte[64];

    /// <summary>Bytes of the recorded stream; per-chunk overhead = (Tracked - Untracked) / (Bytes / 64).</summary>
    public int Bytes { get; private set; }

    [GlobalSetup]
    public void Setup()
    {
        var body = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "fixtures", "chat-stream-include-usage.sse"));
        Bytes = body.Length;
        _lens = LensAIClient.Create(new LensAIOptions { InjectStreamUsage = false });
        _untracked = new HttpMessageInvoker(new FixtureHandler(body, "text/event-stream"));
        _tracked = new HttpMessageInvoker(_lens.CreateHandler(new FixtureHandler(body, "text/event-stream")));
    }

    [GlobalCleanup]
    public void Cleanup() => _lens.Dispose();

    [Benchmark(Baseline = true)]
    public Task<int> Untracked() => ReadAsync(_untracked);

    [Benchmark]
    public Task<int> Tracked() => ReadAsync(_tracked);

    private async Task<int> ReadAsync(HttpMessageInvoker invoker)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, s_url);
        using var response = await invoker.SendAsync(request, CancellationToken.None);
        using var stream = await response.Content.ReadAsStreamAsync();
        var total = 0;
        int n;
        while ((n = await stream.ReadAsync(_buffer)) > 0)
        {
            total += n;
        }

        return total;
    }
}

/// <summary>The hot path of shipping: TryEnqueue into the bounded channel (drained by the background batcher).</summary>
[MemoryDiagnoser]
public class QueueBenchmarks
{
    private LensAIClient _lens = null!;
    private UsageEvent _event = null!;

    [GlobalSetup]
    public void Setup()
    {
        _lens = LensAIClient.Create(new LensAIOptions { QueueCapacity = 100_000 });
        _event = new UsageEvent { EventId = "01JABCDEF0123456789ABCDEFG", Timestamp = DateTimeOffset.UtcNow, Provider = "openai", Model = "gpt-4o-mini", Operation = "chat", Sdk = "bench" };
    }

    [GlobalCleanup]
    public void Cleanup() => _lens.Dispose();

    [Benchmark(OperationsPerInvoke = 1000)]
    public void TryEnqueue()
    {
        for (var i = 0; i < 1000; i++)
        {
            _lens.Pipeline.TryEnqueue(_event);
        }
    }

    [Benchmark]
    public decimal? PriceOneCall() => _lens.Catalog.Calculate("openai", "gpt-4o-mini-2024-07-18", new TokenUsage(1200, 300, CachedInputTokens: 1024));
}

internal sealed class FixtureHandler(byte[] body, string contentType) : HttpMessageHandler
{
    private readonly MediaTypeHeaderValue _type = MediaTypeHeaderValue.Parse(contentType);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = _type;
        return Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.OK) { Content = content, RequestMessage = request });
    }
}
