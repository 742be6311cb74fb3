namespace LensAI.Pricing;

/// <summary>
/// Public list prices of one model, in US dollars per one million tokens.
/// </summary>
/// <remarks>
/// A <see langword="null"/> cached or cache-write rate means the provider offers no separate rate: those tokens
/// are billed at <see cref="InputPerMillion"/>. Reasoning tokens are billed as output.
/// </remarks>
public sealed class ModelPrice
{
    /// <summary>The provider the price applies to (<c>openai</c>, <c>anthropic</c>, <c>gemini</c>, <c>mistral</c>, …).</summary>
    public string Provider { get; init; } = "";

    /// <summary>The model name the price is listed under.</summary>
    public string Model { get; init; } = "";

    /// <summary>Other names that resolve to this entry (dated snapshots, <c>-latest</c> aliases).</summary>
    public IReadOnlyList<string> Aliases { get; init; } = [];

    /// <summary>Dollars per 1M uncached input tokens.</summary>
    public decimal InputPerMillion { get; init; }

    /// <summary>Dollars per 1M output tokens (reasoning included).</summary>
    public decimal OutputPerMillion { get; init; }

    /// <summary>Dollars per 1M input tokens read from the prompt cache; <see langword="null"/> bills them as input.</summary>
    public decimal? CachedInputPerMillion { get; init; }

    /// <summary>Dollars per 1M input tokens written to the prompt cache (Anthropic: 5-minute TTL); <see langword="null"/> bills them as input.</summary>
    public decimal? CacheWritePerMillion { get; init; }

    /// <summary>Dollars per 1M input tokens written with a one-hour TTL (Anthropic); <see langword="null"/> uses <see cref="CacheWritePerMillion"/>.</summary>
    public decimal? CacheWrite1hPerMillion { get; init; }

    /// <summary>Dollars per 1M audio input tokens (Gemini, OpenAI audio models); <see langword="null"/> bills them as input.</summary>
    public decimal? AudioInputPerMillion { get; init; }

    /// <summary>Dollars per 1M audio input tokens read from the prompt cache; <see langword="null"/> uses <see cref="CachedInputPerMillion"/>.</summary>
    public decimal? CachedAudioInputPerMillion { get; init; }

    /// <summary>Dollars per 1M audio output tokens (OpenAI audio models); <see langword="null"/> bills them as output.</summary>
    public decimal? AudioOutputPerMillion { get; init; }

    /// <summary>A fixed charge per request, in dollars (0 for token-only pricing).</summary>
    public decimal PerRequest { get; init; }

    /// <summary>Long-context tiers: when a call's input exceeds a tier's threshold, the whole call is billed at that tier's rates.</summary>
    public IReadOnlyList<PriceTier> Tiers { get; init; } = [];

    /// <summary>
    /// Factors on every rate above for calls processed in a provider's other service tiers, keyed by the normalized
    /// tier name (<c>flex</c>, <c>priority</c>, <c>batch</c>; see <see cref="TokenUsage.ServiceTier"/>): 0.5 = half the
    /// standard price, 2 = twice. A tier not listed here is billed at the standard rates.
    /// </summary>
    public IReadOnlyDictionary<string, decimal> ServiceTierFactors { get; init; } = new Dictionary<string, decimal>();

    /// <summary>Where the price was read (a provider's pricing page) and when.</summary>
    public string? Source { get; init; }

    /// <summary>The kind of model: <c>chat</c>, <c>reasoning</c> or <c>embedding</c>.</summary>
    public string? Kind { get; init; }

    /// <summary>Computes the cost of <paramref name="usage"/> at these prices, rounded to 9 decimals.</summary>
    /// <exception cref="ArgumentException">The usage counts are inconsistent (see <see cref="TokenUsage.Validate"/>).</exception>
    public decimal Calculate(TokenUsage usage)
    {
        if (usage.Validate() is { } problem)
        {
            throw new ArgumentException(problem, nameof(usage));
        }

        decimal input = InputPerMillion, output = OutputPerMillion;
        decimal? cached = CachedInputPerMillion, write = CacheWritePerMillion, write1h = CacheWrite1hPerMillion;
        for (var i = Tiers.Count - 1; i >= 0; i--)
        {
            var tier = Tiers[i];
            if (usage.InputTokens > tier.AboveInputTokens)
            {
                input = tier.InputPerMillion;
                output = tier.OutputPerMillion;
                cached = tier.CachedInputPerMillion ?? cached;
                write = tier.CacheWritePerMillion ?? write;
                write1h = tier.CacheWrite1hPerMillion ?? write1h;
                break;
            }
        }

        var write5mTokens = usage.CacheWriteTokens - usage.CacheWrite1hTokens;
        var uncachedAudio = usage.AudioInputTokens - usage.CachedAudioInputTokens;
        var micro = ((usage.UncachedInputTokens - uncachedAudio) * input)
            + (uncachedAudio * (AudioInputPerMillion ?? input))
            + ((usage.CachedInputTokens - usage.CachedAudioInputTokens) * (cached ?? input))
            + (usage.CachedAudioInputTokens * (CachedAudioInputPerMillion ?? cached ?? input))
            + (write5mTokens * (write ?? input))
            + (usage.CacheWrite1hTokens * (write1h ?? write ?? input))
            + ((usage.OutputTokens - usage.AudioOutputTokens) * output)
            + (usage.AudioOutputTokens * (AudioOutputPerMillion ?? output));
        if (usage.ServiceTier is { } serviceTier && ServiceTierFactors.TryGetValue(serviceTier, out var factor))
        {
            micro *= factor;
        }

        return decimal.Round((micro / 1_000_000m) + PerRequest, 9, MidpointRounding.AwayFromZero);
    }
}
