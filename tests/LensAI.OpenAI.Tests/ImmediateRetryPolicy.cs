using System.ClientModel.Primitives;

namespace LensAI.OpenAI.Tests;

/// <summary>The SDK's own retry policy (which responses it retries, how often), without the waiting between attempts.</summary>
internal sealed class ImmediateRetryPolicy(int maxRetries) : ClientRetryPolicy(maxRetries)
{
    protected override Task WaitAsync(TimeSpan time, CancellationToken cancellationToken) => Task.CompletedTask;

    protected override void Wait(TimeSpan time, CancellationToken cancellationToken)
    {
    }
}
