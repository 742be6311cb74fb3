using LensAI;
using LensAI.Extensions.AI;

namespace Microsoft.Extensions.AI;

/// <summary>Adds LensAI capture to any <see cref="IChatClient"/> (and so to Semantic Kernel's chat services).</summary>
public static class LensAIChatClientExtensions
{
    /// <summary>
    /// Wraps <paramref name="client"/> so that every call (streaming included) is recorded once with its provider,
    /// model, tokens, cost, latency and status. The wrapper passes every response and update through unchanged and
    /// never throws a LensAI failure into the call.
    /// </summary>
    /// <remarks>
    /// <para><b>One call, one event.</b> When the inner client sends through an <see cref="HttpClient"/> that also
    /// carries LensAI (<see cref="LensAIClient.CreateHttpClient"/> or <see cref="LensAIClient.CreateHandler"/>), the
    /// event is the HTTP layer's: the provider's exact usage (cache reads and writes, reasoning), detected from the
    /// wire. Otherwise it is built from the <see cref="ChatResponse.Usage"/> (or the streamed
    /// <see cref="UsageContent"/>) the chat client reports; counts the client leaves unknown are recorded as 0.</para>
    /// <para><b>Where it goes.</b> Put it below function invocation, so each model call is one event (a tool-calling
    /// turn makes several model calls); above function invocation it would record the whole turn as one event.
    /// With the full <c>Microsoft.Extensions.AI</c> package the same middleware plugs into a builder:
    /// <c>builder.UseFunctionInvocation().Use(inner => inner.UseLensAI(lens))</c>.</para>
    /// <para>Cancelled, failed and abandoned calls (a stream the caller stops reading) are still recorded.</para>
    /// <para><b>Budgets.</b> Each call is checked against the project's LensAI budgets before it is sent (once, even
    /// when the HttpClient beneath is wrapped too). A blocked call throws <see cref="LensAIBudgetExceededException"/>
    /// (for a stream, on the first <c>MoveNextAsync</c>) and is recorded with status <c>blocked</c>, unless
    /// <see cref="LensAIChatClientOptions.FallbackModel"/> names a model that passes the check.</para>
    /// </remarks>
    /// <example>
    /// <code>
    /// IChatClient chat = innerChatClient.UseLensAI(lens, o => o.ProviderName = "openai");
    /// </code>
    /// </example>
    /// <param name="client">The chat client to observe.</param>
    /// <param name="lens">The LensAI client that prices and ships the events.</param>
    /// <param name="configure">Sets <see cref="LensAIChatClientOptions"/>.</param>
    /// <returns>A chat client that records every call of <paramref name="client"/>.</returns>
    public static IChatClient UseLensAI(this IChatClient client, LensAIClient lens, Action<LensAIChatClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(lens);
        var options = new LensAIChatClientOptions();
        configure?.Invoke(options);
        return new LensAIChatClient(client, lens.Engine, options.ProviderName, options.FallbackModel);
    }
}
