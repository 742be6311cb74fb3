using LensAI;
using Microsoft.Extensions.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Flushes LensAI when the host stops (the container then disposes the client, which spools anything left).</summary>
internal sealed class LensAIHostedService(LensAIClient client) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await client.FlushAsync(client.Options.ShutdownTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The host's own shutdown deadline won; DisposeAsync spools what is left.
        }
    }
}
