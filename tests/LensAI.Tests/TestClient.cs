using System.Collections.Concurrent;
using LensAI.Testing;

namespace LensAI.Tests;

/// <summary>A LensAI client for tests: no endpoint (nothing shipped), fake time, every recorded event collected.</summary>
internal sealed class TestClient : IAsyncDisposable
{
    public TestClient(Action<LensAIOptions>? configure = null, TimeProvider? time = null)
    {
        var options = new LensAIOptions();
        configure?.Invoke(options);
        Time = time ?? new FakeTimeProvider();
        Lens = new LensAIClient(options, null, Time);
        Lens.Engine.Recorded = e => Events.Enqueue(e);
    }

    public LensAIClient Lens { get; }

    public TimeProvider Time { get; }

    public ConcurrentQueue<UsageEvent> Events { get; } = new();

    public UsageEvent Single()
    {
        Assert.Single(Events);
        return Events.First();
    }

    public HttpClient Http(HttpMessageHandler inner) => new(Lens.CreateHandler(inner));

    public ValueTask DisposeAsync() => Lens.DisposeAsync();
}
