namespace LensAI.Pricing;

/// <summary>A long-context price tier (e.g. Gemini 2.5 Pro above 200k input tokens).</summary>
public sealed class PriceTier
{
    /// <summary>The tier applies when a call's input tokens exceed this many.</summary>
    public int AboveInputTokens { get; init; }

    /// <summary>Dollars per 1M uncached input tokens in this tier.</summary>
    public decimal InputPerMillion { get; init; }

    /// <summary>Dollars per 1M output tokens in this tier.</summary>
    public decimal OutputPerMillion { get; init; }

    /// <summary>Dollars per 1M cached input tokens in this tier; <see langword="null"/> keeps the base rate.</summary>
    public decimal? CachedInputPerMillion { get; init; }

    /// <summary>Dollars per 1M cache-write tokens in this tier; <see langword="null"/> keeps the base rate.</summary>
    public decimal? CacheWritePerMillion { get; init; }

    /// <summary>Dollars per 1M one-hour cache-write tokens in this tier; <see langword="null"/> keeps the base rate.</summary>
    public decimal? CacheWrite1hPerMillion { get; init; }
}
