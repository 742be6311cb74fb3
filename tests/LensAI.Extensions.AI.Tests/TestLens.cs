using System.Collections.Concurrent;
using LensAI.Testing;

namespace LensAI.Extensions.AI.Tests;

/// <summary>A LensAI client for tests: no ingest endpoint (nothing is shipped), fake time, every recorded event collected.</summary>
internal sealed class TestLens : IAsyncDisposable
{
    public TestLens(Action<LensAIOptions>? configure = null)
    {
        var options = new LensAIOptions();
        configure?.Invoke(options);
        Lens = new LensAIClient(options, null, Time);
        Lens.Engine.Recorded = e => Events.Enqueue(e);
    }

    public LensAIClient Lens { get; }

    public FakeTimeProvider Time { get; } = new();

    public ConcurrentQueue<UsageEvent> Events { get; } = new();

    public UsageEvent Single()
    {
        Assert.Single(Events);
        return Events.First();
    }

    public ValueTask DisposeAsync() => Lens.DisposeAsync();
}
