using System.ClientModel.Primitives;
using LensAI;
using LensAI.OpenAI;

namespace OpenAI;

/// <summary>Adds LensAI capture to the official OpenAI .NET SDK.</summary>
public static class LensAIOpenAIClientOptionsExtensions
{
    /// <summary>
    /// Records the cost, tokens and latency of every chat completion, response and embeddings call made by clients
    /// created with these options (<c>ChatClient</c>, <c>EmbeddingClient</c>, <c>OpenAIClient</c> and the clients it
    /// hands out, such as <c>GetResponsesClient()</c>).
    /// </summary>
    /// <remarks>
    /// <para>The hook is a per-call pipeline policy: it sits above the SDK's retry policy, so a call that the SDK
    /// retries is recorded once, with its final outcome and its whole latency. Streams are read through as the caller
    /// reads them (never buffered); their usage is recorded when the stream ends or is disposed.</para>
    /// <para>What the caller gets is never changed, and a LensAI failure is never thrown into the call. When the
    /// options' transport is an <see cref="HttpClient"/> that also carries <see cref="LensAIClient.CreateHandler"/>,
    /// the handler steps aside, so each call is still recorded once.</para>
    /// <para>When the project has LensAI budgets, each call is checked before it is sent: a call a budget blocks
    /// throws <see cref="LensAIBudgetExceededException"/> without reaching OpenAI, and is recorded with status
    /// <c>blocked</c>.</para>
    /// <para>Calls to <c>api.openai.com</c>, Azure OpenAI and the OpenAI-compatible servers LensAI knows are
    /// recognized by URL; a custom <see cref="OpenAIClientOptions.Endpoint"/> must be listed in
    /// <see cref="LensAIOptions.OpenAICompatibleEndpoints"/>.</para>
    /// </remarks>
    /// <example>
    /// <code>
    /// var chat = new ChatClient("gpt-4o-mini", new ApiKeyCredential(key), new OpenAIClientOptions().UseLensAI(lens));
    /// </code>
    /// </example>
    /// <param name="options">The options the OpenAI clients are created with.</param>
    /// <param name="lens">The LensAI client that prices and ships the events.</param>
    /// <returns>The same options, for chaining.</returns>
    public static OpenAIClientOptions UseLensAI(this OpenAIClientOptions options, LensAIClient lens)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(lens);
        options.AddPolicy(new LensAIPipelinePolicy(lens.Engine), PipelinePosition.PerCall);
        return options;
    }

    /// <summary>
    /// Adds the same capture as <see cref="UseLensAI(OpenAIClientOptions, LensAIClient)"/> to the options of any
    /// other client built on <c>System.ClientModel</c>, such as <c>ResponsesClientOptions</c> for a
    /// <c>ResponsesClient</c> created directly, or Azure OpenAI's client options.
    /// </summary>
    /// <typeparam name="TOptions">The client's options type.</typeparam>
    /// <param name="options">The options the client is created with.</param>
    /// <param name="lens">The LensAI client that prices and ships the events.</param>
    /// <returns>The same options, for chaining.</returns>
    public static TOptions UseLensAI<TOptions>(this TOptions options, LensAIClient lens)
        where TOptions : ClientPipelineOptions
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(lens);
        options.AddPolicy(new LensAIPipelinePolicy(lens.Engine), PipelinePosition.PerCall);
        return options;
    }
}
