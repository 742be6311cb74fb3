using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using LensAI.Testing;
using OpenAI;

namespace LensAI.OpenAI.Tests;

/// <summary>
/// A LensAI client for tests: no ingest endpoint (nothing is shipped), fake time, every recorded event collected,
/// and the loopback server's <c>/v1</c> registered as an OpenAI-compatible endpoint of provider <c>openai</c>.
/// </summary>
internal sealed class TestLens : IAsyncDisposable
{
    public TestLens(Uri openAIBase, Action<LensAIOptions>? configure = null)
    {
        var options = new LensAIOptions();
        options.OpenAICompatibleEndpoints.Add(new OpenAICompatibleEndpoint { BaseUrl = openAIBase, Provider = "openai" });
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

    /// <summary>OpenAI client options pointing at <paramref name="server"/>, with LensAI; no retries unless asked.</summary>
    public OpenAIClientOptions Options(FixtureServer server, PipelinePolicy? retryPolicy = null)
        => new OpenAIClientOptions { Endpoint = server.V1, RetryPolicy = retryPolicy ?? new ClientRetryPolicy(maxRetries: 0) }.UseLensAI(Lens);

    public ValueTask DisposeAsync() => Lens.DisposeAsync();
}

/// <summary>The SDK's own retry policy (which responses it retries, how often), without the waiting between attempts.</summary>
internal sealed class ImmediateRetryPolicy(int maxRetries) : ClientRetryPolicy(maxRetries)
{
    protected override Task WaitAsync(TimeSpan time, CancellationToken cancellationToken) => Task.CompletedTask;

    protected override void Wait(TimeSpan time, CancellationToken cancellationToken)
    {
    }
}
