namespace LensAI;

/// <summary>Options of the LensAI <c>IChatClient</c> middleware (<c>UseLensAI</c>).</summary>
public sealed class LensAIChatClientOptions
{
    /// <summary>
    /// The provider recorded for calls whose usage LensAI takes from the chat client (e.g. <c>openai</c>,
    /// <c>anthropic</c>), which selects the prices. When <see langword="null"/> (the default) the inner client's
    /// <c>ChatClientMetadata.ProviderName</c> is used, and <c>unknown</c> when it has none.
    /// </summary>
    /// <remarks>Calls captured beneath the middleware by a LensAI-wrapped <see cref="HttpClient"/> keep the provider
    /// detected from their URL.</remarks>
    public string? ProviderName { get; set; }

    /// <summary>
    /// A cheaper model to send a call to when a LensAI budget would block it for its model or its estimated cost
    /// (e.g. <c>gpt-4o-mini</c> for <c>gpt-4o</c>). The call is retried once, before anything is sent, with
    /// <see cref="Microsoft.Extensions.AI.ChatOptions.ModelId"/> set to this model, if that model's own budget check
    /// passes; otherwise it throws <see cref="LensAIBudgetExceededException"/>. Default <see langword="null"/>: no fallback.
    /// </summary>
    /// <remarks>A scope the backend has blocked outright (a user, a route, the project) blocks the fallback as well.
    /// Fallbacks are counted in <c>lensai.budget.fallbacks</c>; the call's event names the model that answered.</remarks>
    public string? FallbackModel { get; set; }
}
