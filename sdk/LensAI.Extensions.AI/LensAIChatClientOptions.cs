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
}
