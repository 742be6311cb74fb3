using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace LensAI.Testing;

/// <summary>
/// The one LensAI client for tests: no ingest endpoint unless configured (nothing is shipped), fake time, every recorded
/// event collected. Built the way an app builds it (<c>services.AddLensAI(…)</c>, which takes the registered
/// <see cref="TimeProvider"/>), so it needs no access to the SDK's internals.
/// </summary>
public sealed class TestLens : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    public TestLens(Action<LensAIOptions>? configure = null)
    {
        _services = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().Build())
            .AddSingleton<TimeProvider>(Time)
            .AddLensAI(options => configure?.Invoke(options))
            .BuildServiceProvider();
        Lens = _services.GetRequiredService<LensAIClient>();
        Lens.Recorded += (_, e) => Events.Enqueue(e);
    }

    public LensAIClient Lens { get; }

    public FakeTimeProvider Time { get; } = new();

    public ConcurrentQueue<UsageEvent> Events { get; } = new();

    /// <summary>The one event recorded (fails unless there is exactly one).</summary>
    public UsageEvent Single()
    {
        Assert.Single(Events);
        return Events.First();
    }

    /// <summary>Disposes the client (with the container that made it).</summary>
    public ValueTask DisposeAsync() => _services.DisposeAsync();
}
