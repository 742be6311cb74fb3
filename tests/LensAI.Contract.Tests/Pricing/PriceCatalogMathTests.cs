using LensAI.Pricing;

namespace LensAI.Contract.Tests.Pricing;

public sealed class PriceCatalogMathTests
{
    private static readonly ModelPrice s_anthropicLike = new()
    {
        Provider = "test",
        Model = "m",
        InputPerMillion = 3m,
        OutputPerMillion = 15m,
        CachedInputPerMillion = 0.30m,
        CacheWritePerMillion = 3.75m,
        CacheWrite1hPerMillion = 6m,
        Tiers = [new PriceTier { AboveInputTokens = 200_000, InputPerMillion = 6m, OutputPerMillion = 22.5m, CachedInputPerMillion = 0.60m, CacheWritePerMillion = 7.5m, CacheWrite1hPerMillion = 12m }],
    };

    [Fact]
    public void Each_token_kind_is_billed_at_its_own_rate()
    {
        // 1000 in = 100 uncached + 500 cached + 400 written (150 of them 1h); 200 out.
        var usage = new TokenUsage(1000, 200, CachedInputTokens: 500, CacheWriteTokens: 400, ReasoningTokens: 50) { CacheWrite1hTokens = 150 };
        var expected = (100 * 3m + 500 * 0.30m + 250 * 3.75m + 150 * 6m + 200 * 15m) / 1_000_000m;
        Assert.Equal(expected, s_anthropicLike.Calculate(usage));
    }

    [Fact]
    public void Long_context_tier_applies_to_the_whole_call_above_the_threshold()
    {
        Assert.Equal((200_000 * 3m + 10 * 15m) / 1_000_000m, s_anthropicLike.Calculate(new TokenUsage(200_000, 10)));
        Assert.Equal((200_001 * 6m + 10 * 22.5m) / 1_000_000m, s_anthropicLike.Calculate(new TokenUsage(200_001, 10)));
    }

    [Fact]
    public void Missing_cache_rates_bill_cached_tokens_as_input()
    {
        var plain = new ModelPrice { Provider = "p", Model = "m", InputPerMillion = 1m, OutputPerMillion = 2m };
        Assert.Equal((1000 * 1m + 10 * 2m) / 1_000_000m, plain.Calculate(new TokenUsage(1000, 10, CachedInputTokens: 600, CacheWriteTokens: 100)));
    }

    [Fact]
    public void Inconsistent_usage_is_refused_with_the_broken_rule()
    {
        var ex = Assert.Throws<ArgumentException>(() => s_anthropicLike.Calculate(new TokenUsage(10, 5, CachedInputTokens: 11)));
        Assert.Contains("CachedInputTokens", ex.Message);
        Assert.Contains("ReasoningTokens", Assert.Throws<ArgumentException>(() => s_anthropicLike.Calculate(new TokenUsage(10, 5, ReasoningTokens: 6))).Message);
    }

    [Fact]
    public void Unknown_model_is_null_never_zero()
    {
        Assert.Null(PriceCatalog.Default.Calculate("openai", "no-such-model-xyz", new TokenUsage(10, 10)));
        Assert.Null(PriceCatalog.Default.Calculate("nobody", "gpt-4o-mini", new TokenUsage(10, 10)));
    }

    [Theory]
    [InlineData("gpt-4o-2024-08-06", "gpt-4o")]
    [InlineData("claude-sonnet-4-20250514", "claude-sonnet-4")]
    [InlineData("claude-3-5-sonnet@20240620", "claude-3-5-sonnet")]
    [InlineData("gemini-1.5-pro-002", "gemini-1.5-pro")]
    [InlineData("mistral-large-2411", "mistral-large")]
    [InlineData("claude-3-7-sonnet-latest", "claude-3-7-sonnet")]
    [InlineData("gpt-4o", "gpt-4o")]
    [InlineData("o3", "o3")]
    public void Snapshot_suffixes_strip_to_the_family(string model, string family)
        => Assert.Equal(family, PriceCatalog.StripVersionSuffix(model));

    [Fact]
    public void Fine_tuned_models_bill_their_fine_tuned_rate_never_their_base_models()
    {
        // OpenAI's list price for inference on a fine-tuned gpt-4o-mini-2024-07-18: $0.30 / $1.20 per 1M (cached $0.15);
        // the base model is $0.15 / $0.60.
        const string Model = "ft:gpt-4o-mini-2024-07-18:acme::abc123";
        Assert.Equal(((10 * 0.30m) + (10 * 1.20m)) / 1_000_000m, PriceCatalog.Default.Calculate("openai", Model, new TokenUsage(10, 10)));
        Assert.True(PriceCatalog.Default.TryGetPrice("openai", Model, out var price));
        Assert.Equal("ft:gpt-4o-mini-2024-07-18", price.Model);

        // A base with no fine-tuned list price stays unpriced: never the base's own rate.
        Assert.Null(PriceCatalog.Default.Calculate("openai", "ft:gpt-5-mini-2025-08-07:acme::abc123", new TokenUsage(10, 10)));

        // An override for the full name (a negotiated rate) wins.
        var custom = PriceCatalog.Default.WithOverrides([new ModelPrice { Provider = "openai", Model = Model, InputPerMillion = 0.25m, OutputPerMillion = 1.0m }]);
        Assert.Equal(((10 * 0.25m) + (10 * 1.0m)) / 1_000_000m, custom.Calculate("openai", Model, new TokenUsage(10, 10)));
    }

    [Fact]
    public void Overrides_aliases_and_discounts_apply()
    {
        Assert.True(PriceCatalog.Default.TryGetPrice("openai", "gpt-4o-mini", out var baseline));
        var catalog = PriceCatalog.Default.WithOverrides(
            modelAliases: new Dictionary<string, string> { ["my-prod-deployment"] = "gpt-4o-mini" },
            discounts: new Dictionary<string, decimal> { ["openai"] = 0.25m });
        var usage = new TokenUsage(1_000_000, 1_000_000);
        Assert.Equal(baseline.Calculate(usage) * 0.75m, catalog.Calculate("azure_openai", "my-prod-deployment", usage));
        Assert.Throws<ArgumentOutOfRangeException>(() => PriceCatalog.Default.WithOverrides(discounts: new Dictionary<string, decimal> { ["openai"] = 1.5m }));
    }

    [Fact]
    public void Azure_falls_back_to_openai_prices()
    {
        var usage = new TokenUsage(1234, 567, CachedInputTokens: 1000);
        Assert.Equal(PriceCatalog.Default.Calculate("openai", "gpt-4o-mini", usage), PriceCatalog.Default.Calculate("azure_openai", "gpt-4o-mini-2024-07-18", usage));
    }

    [Fact]
    public void Load_names_the_bad_entry()
    {
        using var json = new MemoryStream("""{"version":"x","models":[{"provider":"a","model":"b","input":1,"output":1},{"provider":"a","model":"c","output":1}]}"""u8.ToArray());
        var ex = Assert.Throws<FormatException>(() => PriceCatalog.Load(json));
        Assert.Contains("/models/1", ex.Message);
    }
}
