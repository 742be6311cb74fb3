using BenchmarkDotNet.Attributes;
using LensAI.Capture;

namespace LensAI.Benchmarks;

/// <summary>The pieces of one capture, to see where the per-call overhead goes.</summary>
[MemoryDiagnoser]
public class CapturePartsBenchmarks
{
    private byte[] _body = null!;
    private static readonly byte[] s_request = """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say hello."}]}"""u8.ToArray();
    private LensAIClient _lens = null!;
    private List<UsageEvent> _batch = null!;

    [GlobalSetup]
    public void Setup()
    {
        _body = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "fixtures", "chat-completion-basic.json"));
        _lens = LensAIClient.Create(new LensAIOptions());
        _batch = [.. Enumerable.Range(0, 500).Select(_ => Record())];
    }

    [GlobalCleanup]
    public void Cleanup() => _lens.Dispose();

    [Benchmark]
    public long ScanResponse()
    {
        using var scanner = new UsageScanner();
        scanner.ScanChunk(_body, final: false);
        scanner.ScanChunk(default, final: true);
        return scanner.Usage.PromptTokens ?? 0;
    }

    [Benchmark]
    public int RawReader()
    {
        var reader = new System.Text.Json.Utf8JsonReader(_body);
        var n = 0;
        while (reader.Read())
        {
            n++;
        }

        return n;
    }

    [Benchmark]
    public long ScanDocument()
    {
        using var scanner = new UsageScanner();
        scanner.ScanDocument(_body);
        return scanner.Usage.PromptTokens ?? 0;
    }

    [Benchmark]
    public int ParseRequest() => RequestInspector.Parse(s_request).BodyBytes;

    [Benchmark]
    public string NewEventId() => EventIds.NewUlid(DateTimeOffset.UtcNow);

    [Benchmark]
    public UsageEvent Record() => _lens.Engine.Record(new CapturedCall("openai", "gpt-4o-mini-2024-07-18", "chat", false, new TokenUsage(11, 9), UsageStatus.Ok, 200, DateTimeOffset.UtcNow, 1, null, "chatcmpl-1", default));

    /// <summary>What shipping costs per event, off the caller's thread: a 500-event batch serialized and gzipped.</summary>
    [Benchmark(OperationsPerInvoke = 500)]
    public int ShipPerEvent()
    {
        using var payload = LensAI.Shipping.BatchSerializer.Serialize(_batch, 0, _batch.Count);
        return payload.Memory.Length;
    }

    [Benchmark]
    public bool Detect() => _lens.Engine.Detector.TryDetect(HttpMethod.Post, new Uri("https://api.openai.com/v1/chat/completions"), out _);
}
