using System.ClientModel.Primitives;
using LensAI.Testing;
using OpenAI;

namespace LensAI.OpenAI.Tests;

/// <summary>The shared <see cref="TestLens"/>, with the loopback server's <c>/v1</c> as an OpenAI-compatible endpoint of provider <c>openai</c>.</summary>
internal static class OpenAITestLens
{
    public static TestLens Create(Uri openAIBase, Action<LensAIOptions>? configure = null) => new(options =>
    {
        options.OpenAICompatibleEndpoints.Add(new OpenAICompatibleEndpoint { BaseUrl = openAIBase, Provider = "openai" });
        configure?.Invoke(options);
    });

    /// <summary>OpenAI client options pointing at <paramref name="server"/>, with LensAI; no retries unless asked.</summary>
    public static OpenAIClientOptions Options(this TestLens test, FixtureServer server, PipelinePolicy? retryPolicy = null)
        => new OpenAIClientOptions { Endpoint = server.V1, RetryPolicy = retryPolicy ?? new ClientRetryPolicy(maxRetries: 0) }.UseLensAI(test.Lens);
}
