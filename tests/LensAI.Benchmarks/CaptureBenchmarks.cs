using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Trace;

namespace LensAI.Benchmarks;

/// <summary>
/// The SDK's overhead per LLM call over an in-memory inner handler returning a real recorded response: untracked
/// (baseline) and through LensAI's handler (request inspection, budget check, capture, usage parse, pricing, event,
/// enqueue). OpenTelemetry's HttpClient instrumentation has nothing to hook here (it lives in
/// <see cref="SocketsHttpHandler"/>): its anchor is <see cref="SocketsOverheadBenchmarks"/>.
/// </summary>
[MemoryDiagnoser]
[ThreadingDiagnoser]
[MedianColumn]
public class HandlerOverheadBenchmarks
{
    private readonly HttpCall _call = new(Transport.InMemory);
    private readonly HttpCall _inProcess = new(Transport.InMemory, static o => o.ApiKey = null);

    [GlobalSetup(Targets = [nameof(Untracked), nameof(LensAI)])]
    public void Setup() => _call.Setup();

    [GlobalSetup(Target = nameof(LensAIInProcess))]
    public void SetupInProcess() => _inProcess.Setup();

    [GlobalCleanup]
    public void Cleanup()
    {
        _call.Dispose();
        _inProcess.Dispose();
    }

    [Benchmark(Baseline = true)]
    public Task<int> Untracked() => _call.UntrackedAsync();

    /// <summary>Captured, priced, queued and shipped by the background thread (gzip JSON to an in-memory ingest).</summary>
    [Benchmark]
    public Task<int> LensAI() => _call.TrackedAsync();

    /// <summary>Captured, priced and counted in process (no endpoint): the caller's share of <see cref="LensAI"/>.</summary>
    [Benchmark]
    public Task<int> LensAIInProcess() => _inProcess.TrackedAsync();
}

/// <summary>
/// The same call through a real <see cref="SocketsHttpHandler"/> (in-memory connection): untracked, LensAI's handler,
/// and OpenTelemetry's HttpClient instrumentation (a tracer provider sampling everything, in-memory exporter) —
/// measured in the same run. Each benchmark runs in its own process, so the tracer provider exists only in its own.
/// </summary>
[MemoryDiagnoser]
[ThreadingDiagnoser]
[MedianColumn]
public class SocketsOverheadBenchmarks
{
    private readonly HttpCall _call = new(Transport.Sockets);
    private readonly HttpCall _inProcess = new(Transport.Sockets, static o => o.ApiKey = null);
    private TracerProvider? _tracing;

    [GlobalSetup(Targets = [nameof(Untracked), nameof(LensAI)])]
    public void Setup() => _call.Setup();

    [GlobalSetup(Target = nameof(LensAIInProcess))]
    public void SetupInProcess() => _inProcess.Setup();

    [GlobalSetup(Target = nameof(OpenTelemetry))]
    public void SetupOpenTelemetry()
    {
        _call.Setup();
        _tracing = Sdk.CreateTracerProviderBuilder()
            .SetSampler(new AlwaysOnSampler())
            .AddHttpClientInstrumentation()
            .AddInMemoryExporter(new CountingCollection<Activity>())
            .Build();
    }

    [GlobalSetup(Target = nameof(OpenTelemetryOtlp))]
    public void SetupOpenTelemetryOtlp()
    {
        _call.Setup();
        _tracing = Sdk.CreateTracerProviderBuilder()
            .SetSampler(new AlwaysOnSampler())
            .AddHttpClientInstrumentation()
            .AddOtlpExporter(static o =>
            {
                // The exporter's own shape (batch processor, protobuf over HTTP) to an in-memory collector that
                // accepts every batch: the anchor for LensAI's shipping, as AcceptAllIngest is LensAI's.
                o.Protocol = OtlpExportProtocol.HttpProtobuf;
                o.Endpoint = new Uri("http://127.0.0.1:9/v1/traces");
                o.HttpClientFactory = static () => new HttpClient(new AcceptAllIngest());
            })
            .Build();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _tracing?.Dispose();
        _call.Dispose();
        _inProcess.Dispose();
    }

    [Benchmark(Baseline = true)]
    public Task<int> Untracked() => _call.UntrackedAsync();

    /// <summary>Captured, priced, queued and shipped (gzip JSON, background thread): compare with <see cref="OpenTelemetryOtlp"/>.</summary>
    [Benchmark]
    public Task<int> LensAI() => _call.TrackedAsync();

    /// <summary>Captured, priced and counted in process, nothing shipped: compare with <see cref="OpenTelemetry"/>.</summary>
    [Benchmark]
    public Task<int> LensAIInProcess() => _inProcess.TrackedAsync();

    /// <summary>OpenTelemetry's HttpClient instrumentation, every span exported synchronously into memory.</summary>
    [Benchmark]
    public Task<int> OpenTelemetry() => _call.UntrackedAsync();

    /// <summary>The same instrumentation exporting OTLP (protobuf over HTTP, batch processor) to an in-memory collector.</summary>
    [Benchmark]
    public Task<int> OpenTelemetryOtlp() => _call.UntrackedAsync();
}

/// <summary>
/// <see cref="IChatClient"/> (the OpenAI SDK's chat client through <c>AsIChatClient()</c>, over either transport):
/// untracked, <c>UseLensAI</c>, and Microsoft.Extensions.AI's <c>UseOpenTelemetry()</c> with a tracer provider
/// sampling everything into an in-memory exporter.
/// </summary>
[MemoryDiagnoser]
[ThreadingDiagnoser]
[MedianColumn]
public class ChatClientOverheadBenchmarks
{
    private const string SourceName = "LensAI.Benchmarks.ChatClient";
    private static readonly ChatMessage[] s_messages = [new(ChatRole.User, "Say hello.")];
    private LensAIClient _lens = null!;
    private HttpClient _http = null!;
    private IChatClient _untracked = null!;
    private IChatClient _lensAI = null!;
    private IChatClient _otel = null!;
    private TracerProvider? _tracing;

    [Params(Transport.InMemory, Transport.Sockets)]
    public Transport Transport { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var body = Fixture.Bytes("chat-completion-basic.json");
        _lens = Fixture.Lens();
        _http = new HttpClient(Transports.Create(Transport, body, "application/json"));
        var openAI = new OpenAIClient(new ApiKeyCredential("sk-bench"), new OpenAIClientOptions
        {
            Endpoint = Transports.OpenAIEndpoint(Transport),
            Transport = new HttpClientPipelineTransport(_http),
        });
        _untracked = openAI.GetChatClient("gpt-4o-mini").AsIChatClient();
        _lensAI = _untracked.UseLensAI(_lens, o => o.ProviderName = "openai");
        _otel = new ChatClientBuilder(_untracked).UseOpenTelemetry(sourceName: SourceName).Build();
    }

    [GlobalSetup(Target = nameof(OpenTelemetry))]
    public void SetupOpenTelemetry()
    {
        Setup();
        _tracing = Sdk.CreateTracerProviderBuilder()
            .SetSampler(new AlwaysOnSampler())
            .AddSource(SourceName)
            .AddInMemoryExporter(new CountingCollection<Activity>())
            .Build();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _tracing?.Dispose();
        _http.Dispose();
        _lens.Dispose();
    }

    [Benchmark(Baseline = true)]
    public async Task<int> Untracked() => (await _untracked.GetResponseAsync(s_messages)).Text.Length;

    [Benchmark]
    public async Task<int> LensAI() => (await _lensAI.GetResponseAsync(s_messages)).Text.Length;

    [Benchmark]
    public async Task<int> OpenTelemetry() => (await _otel.GetResponseAsync(s_messages)).Text.Length;
}

/// <summary>Streaming: a recorded SSE chat stream read in 64-byte chunks, untracked vs through LensAI's tee.</summary>
[MemoryDiagnoser]
[ThreadingDiagnoser]
[MedianColumn]
public class StreamingOverheadBenchmarks
{
    private HttpMessageInvoker _untracked = null!;
    private HttpMessageInvoker _tracked = null!;
    private LensAIClient _lens = null!;
    private readonly byte[] _buffer = new byte[64];
    private readonly Uri _url = Transports.ChatUrl(Transport.InMemory);

    /// <summary>Bytes of the recorded stream; per-chunk overhead = (LensAI - Untracked) / (Bytes / 64).</summary>
    public int Bytes { get; private set; }

    [GlobalSetup]
    public void Setup()
    {
        var body = Fixture.Bytes("chat-stream-include-usage.sse");
        Bytes = body.Length;
        _lens = Fixture.Lens(o => o.InjectStreamUsage = false);
        _untracked = new HttpMessageInvoker(new FixtureHandler(body, "text/event-stream"));
        _tracked = new HttpMessageInvoker(_lens.CreateHandler(new FixtureHandler(body, "text/event-stream")));
    }

    [GlobalCleanup]
    public void Cleanup() => _lens.Dispose();

    [Benchmark(Baseline = true)]
    public Task<int> Untracked() => ReadAsync(_untracked);

    [Benchmark]
    public Task<int> LensAI() => ReadAsync(_tracked);

    private async Task<int> ReadAsync(HttpMessageInvoker invoker)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _url);
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

/// <summary>The hot path of shipping: TryEnqueue into the event queue (drained by the background batcher).</summary>
[MemoryDiagnoser]
[ThreadingDiagnoser]
[MedianColumn]
public class QueueBenchmarks
{
    private LensAIClient _lens = null!;
    private UsageEvent _event = null!;

    [GlobalSetup]
    public void Setup()
    {
        _lens = Fixture.Lens(o => o.QueueCapacity = 100_000);
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

/// <summary>One non-streaming chat call over a transport, untracked or through LensAI's handler; the body is read to its end.</summary>
internal sealed class HttpCall(Transport transport, Action<LensAIOptions>? configure = null) : IDisposable
{
    private static readonly byte[] s_request = """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say hello."}]}"""u8.ToArray();
    private static readonly MediaTypeHeaderValue s_json = new("application/json");
    private readonly Uri _url = Transports.ChatUrl(transport);
    private readonly byte[] _buffer = new byte[16 * 1024];
    private HttpMessageInvoker? _untracked;
    private HttpMessageInvoker? _tracked;
    private LensAIClient? _lens;

    public void Setup()
    {
        if (_lens is not null)
        {
            return;
        }

        var body = Fixture.Bytes("chat-completion-basic.json");
        _lens = Fixture.Lens(configure);
        _untracked = new HttpMessageInvoker(Transports.Create(transport, body, "application/json"));
        _tracked = new HttpMessageInvoker(_lens.CreateHandler(Transports.Create(transport, body, "application/json")));
    }

    public Task<int> UntrackedAsync() => CallAsync(_untracked!);

    public Task<int> TrackedAsync() => CallAsync(_tracked!);

    private async Task<int> CallAsync(HttpMessageInvoker invoker)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _url) { Content = new ByteArrayContent(s_request) };
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

    public void Dispose()
    {
        _untracked?.Dispose();
        _tracked?.Dispose();
        _lens?.Dispose();
    }
}

internal static class Fixture
{
    public static byte[] Bytes(string name) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "fixtures", name));

    /// <summary>
    /// A LensAI client as an application runs it: an endpoint (an in-memory ingest that accepts every batch, so
    /// shipping runs and costs what it costs, off the caller's thread), budgets polled (none defined), no spool.
    /// </summary>
    public static LensAIClient Lens(Action<LensAIOptions>? configure = null)
    {
        var options = new LensAIOptions { Endpoint = new Uri("http://127.0.0.1:9/"), ApiKey = "lsk_bench", EnableSpool = false };
        configure?.Invoke(options);
        if (options.ApiKey is null)
        {
            options.Endpoint = null; // in process only: nothing shipped
        }

        return new LensAIClient(options, null, TimeProvider.System, new AcceptAllIngest());
    }
}

/// <summary>The ingest endpoint in memory: reads each batch and accepts it; the budget status is 404 (no budgets).</summary>
internal sealed class AcceptAllIngest : HttpMessageHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Content is not null)
        {
            await request.Content.CopyToAsync(Stream.Null, cancellationToken);
        }

        return new HttpResponseMessage(request.Method == HttpMethod.Get ? HttpStatusCode.NotFound : HttpStatusCode.OK);
    }
}

/// <summary>The in-memory exporter's collection, counting instead of keeping (a benchmark makes millions of spans).</summary>
internal sealed class CountingCollection<T> : ICollection<T>
{
    public int Count { get; private set; }

    public bool IsReadOnly => false;

    public void Add(T item) => Count++;

    public void Clear() => Count = 0;

    public bool Contains(T item) => false;

    public void CopyTo(T[] array, int arrayIndex)
    {
    }

    public bool Remove(T item) => false;

    public IEnumerator<T> GetEnumerator() => Enumerable.Empty<T>().GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

internal sealed class FixtureHandler(byte[] body, string contentType) : HttpMessageHandler
{
    private readonly MediaTypeHeaderValue _type = MediaTypeHeaderValue.Parse(contentType);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = _type;
        return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = content, RequestMessage = request });
    }
}
