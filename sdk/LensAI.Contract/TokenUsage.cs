namespace LensAI;

/// <summary>
/// Token counts of one LLM call, normalized to the same semantics for every provider.
/// </summary>
/// <remarks>
/// <para><see cref="InputTokens"/> counts every input token: cached reads and cache writes are parts of it.
/// <see cref="OutputTokens"/> counts every token billed as output: reasoning tokens are part of it.</para>
/// <para>Providers report differently (OpenAI's <c>prompt_tokens</c> already includes cached tokens,
/// Anthropic's <c>input_tokens</c> excludes cache reads and writes, Gemini's <c>candidatesTokenCount</c>
/// excludes thoughts); LensAI's parsers normalize to these semantics.</para>
/// </remarks>
/// <param name="InputTokens">Every input token, cached reads and cache writes included.</param>
/// <param name="OutputTokens">Every output token, reasoning included.</param>
/// <param name="CachedInputTokens">The part of <paramref name="InputTokens"/> read from the provider's prompt cache.</param>
/// <param name="CacheWriteTokens">The part of <paramref name="InputTokens"/> written to the provider's prompt cache (all durations).</param>
/// <param name="ReasoningTokens">The part of <paramref name="OutputTokens"/> spent on reasoning ("thinking").</param>
public readonly record struct TokenUsage(
    int InputTokens,
    int OutputTokens,
    int CachedInputTokens = 0,
    int CacheWriteTokens = 0,
    int ReasoningTokens = 0)
{
    /// <summary>
    /// The part of <see cref="CacheWriteTokens"/> written with a one-hour time-to-live (Anthropic's extended cache),
    /// which is billed at a higher rate than the default five-minute writes. Zero when the provider reports no split.
    /// </summary>
    public int CacheWrite1hTokens { get; init; }

    /// <summary>
    /// The part of <see cref="InputTokens"/> that is audio (Gemini's <c>AUDIO</c> modality, OpenAI's
    /// <c>prompt_tokens_details.audio_tokens</c>), billed at a model's audio input rate. Zero when not reported.
    /// </summary>
    public int AudioInputTokens { get; init; }

    /// <summary>The part of <see cref="AudioInputTokens"/> read from the prompt cache (and so of <see cref="CachedInputTokens"/>): the cached audio rate.</summary>
    public int CachedAudioInputTokens { get; init; }

    /// <summary>The part of <see cref="OutputTokens"/> that is audio (OpenAI's <c>completion_tokens_details.audio_tokens</c>), billed at the audio output rate.</summary>
    public int AudioOutputTokens { get; init; }

    /// <summary>
    /// The provider's service tier that processed the call when it is not the standard one, normalized to lower case:
    /// <c>flex</c> (OpenAI flex processing, Vertex AI Flex PayGo), <c>priority</c>, <c>batch</c>, or another name the
    /// provider reported (<c>scale</c>, <c>provisioned</c>). <see langword="null"/> for standard processing or when the
    /// provider does not say. The catalogue prices a tier through <see cref="Pricing.ModelPrice.ServiceTierFactors"/>.
    /// </summary>
    public string? ServiceTier { get; init; }

    /// <summary>Input tokens billed at the plain input rate: neither cache reads nor cache writes.</summary>
    public int UncachedInputTokens => InputTokens - CachedInputTokens - CacheWriteTokens;

    /// <summary>
    /// Returns the first violated invariant of these counts, or <see langword="null"/> when they are consistent
    /// (non-negative, cached + cache write ≤ input, reasoning ≤ output, one-hour writes ≤ cache writes).
    /// </summary>
    public string? Validate()
    {
        if (InputTokens < 0) return "InputTokens is negative.";
        if (OutputTokens < 0) return "OutputTokens is negative.";
        if (CachedInputTokens < 0) return "CachedInputTokens is negative.";
        if (CacheWriteTokens < 0) return "CacheWriteTokens is negative.";
        if (ReasoningTokens < 0) return "ReasoningTokens is negative.";
        if (CacheWrite1hTokens < 0) return "CacheWrite1hTokens is negative.";
        if (AudioInputTokens < 0 || CachedAudioInputTokens < 0 || AudioOutputTokens < 0) return "An audio token count is negative.";
        if ((long)CachedInputTokens + CacheWriteTokens > InputTokens) return "CachedInputTokens + CacheWriteTokens exceeds InputTokens.";
        if (ReasoningTokens > OutputTokens) return "ReasoningTokens exceeds OutputTokens.";
        if (CacheWrite1hTokens > CacheWriteTokens) return "CacheWrite1hTokens exceeds CacheWriteTokens.";
        if (CachedAudioInputTokens > AudioInputTokens || CachedAudioInputTokens > CachedInputTokens) return "CachedAudioInputTokens exceeds AudioInputTokens or CachedInputTokens.";
        if (AudioInputTokens - CachedAudioInputTokens > UncachedInputTokens) return "Uncached audio input exceeds the uncached input.";
        if (AudioOutputTokens > OutputTokens) return "AudioOutputTokens exceeds OutputTokens.";
        return null;
    }
}
