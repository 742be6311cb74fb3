namespace LensAI;

/// <summary>
/// Counts the tokens of text whose count the provider never reported: the prompt of a call that failed after it was
/// sent, the output already streamed when a stream was abandoned or broke. Such calls are billed by the provider, so
/// LensAI records an estimate (and marks the event <see cref="UsageEvent.UsageEstimated"/>) rather than a silent $0.
/// </summary>
/// <remarks>
/// <see cref="Default"/> is a heuristic with no data files: UTF-8 bytes ÷ 4, rounded up (docs/pricing.md gives its
/// measured error). The <c>LensAI.Tokenizers</c> package adds a real tokenizer (<c>o200k_base</c>/<c>cl100k_base</c>)
/// behind <see cref="LensAIOptions.TokenEstimator"/>. An estimator is called only for the rare calls that need one,
/// never on the hot path of a call that completes; it must be thread-safe and must not throw.
/// </remarks>
public abstract class TokenEstimator
{
    /// <summary>The estimator LensAI uses when none is configured: UTF-8 bytes ÷ 4, rounded up.</summary>
    public static TokenEstimator Default { get; } = new Utf8BytesTokenEstimator();

    /// <summary>A short name recorded with every estimate in <c>metadata["lensai.estimator"]</c> (<c>utf8-bytes/4</c>).</summary>
    public abstract string Name { get; }

    /// <summary>Counts the tokens <paramref name="model"/> of <paramref name="provider"/> would make of <paramref name="utf8Text"/>.</summary>
    /// <param name="provider">The provider (<c>openai</c>, <c>anthropic</c>, …).</param>
    /// <param name="model">The model the call named.</param>
    /// <param name="utf8Text">The text, UTF-8 encoded.</param>
    /// <returns>The estimated token count, never negative.</returns>
    public abstract int CountTokens(string provider, string model, ReadOnlySpan<byte> utf8Text);

    /// <summary>
    /// The tokens a chat API adds around each message of a prompt (role markers, separators): OpenAI documents 3 per
    /// message plus 3 to prime the reply. Default 3.
    /// </summary>
    public virtual int TokensPerMessage => 3;

    /// <summary>The heuristic: UTF-8 bytes ÷ 4, rounded up.</summary>
    private sealed class Utf8BytesTokenEstimator : TokenEstimator
    {
        public override string Name => "utf8-bytes/4";

        public override int CountTokens(string provider, string model, ReadOnlySpan<byte> utf8Text) => (utf8Text.Length + 3) / 4;
    }
}
