using System.Text;
using LensAI.Pricing;

namespace LensAI.Contract.Tests.Pricing;

/// <summary>Calls processed in another service tier are priced at that tier's factor on every standard rate (hand-computed).</summary>
public sealed class ServiceTierPricingTests
{
    // o3: $2 input, $0.50 cached, $8 output per million. 800 plain + 200 cached in, 500 out:
    // 800 × 2 + 200 × 0.5 + 500 × 8 = 5,700 µ$ = $0.0057 at the standard tier.
    private static readonly TokenUsage O3Call = new(1000, 500, CachedInputTokens: 200);

    [Theory]
    [InlineData(null, "0.0057")]
    [InlineData("flex", "0.00285")] // half price (OpenAI flex processing)
    [InlineData("priority", "0.009975")] // × 1.75 ($3.50 / $0.875 / $14)
    [InlineData("batch", "0.00285")] // OpenAI's Batch API: half price, provider-wide
    [InlineData("scale", "0.0057")] // a tier the catalogue has no factor for: standard rates
    public void An_openai_call_is_priced_at_its_tier(string? tier, string expected)
    {
        var cost = PriceCatalog.Default.Calculate("openai", "o3", O3Call with { ServiceTier = tier });

        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), cost);
    }

    [Fact]
    public void An_anthropic_batch_is_half_price_through_the_provider_wide_factor()
    {
        // claude-sonnet-4: $3 in, $15 out. 1,000 in + 100 out = 3,000 + 1,500 µ$ = $0.0045; a batch pays half.
        var usage = new TokenUsage(1000, 100);

        Assert.Equal(0.0045m, PriceCatalog.Default.Calculate("anthropic", "claude-sonnet-4", usage));
        Assert.Equal(0.00225m, PriceCatalog.Default.Calculate("anthropic", "claude-sonnet-4", usage with { ServiceTier = "batch" }));
        Assert.Equal(0.0045m, PriceCatalog.Default.Calculate("anthropic", "claude-sonnet-4", usage with { ServiceTier = "priority" })); // no listed rate: standard
    }

    [Fact]
    public void A_models_own_factor_wins_over_the_providers_and_both_are_loaded_from_json()
    {
        var catalog = Load("""
            {"version": "t", "service_tier_factors": {"acme": {"batch": 0.5, "flex": 0.6}},
             "models": [{"provider": "acme", "model": "m", "input": 1.0, "output": 2.0, "service_tiers": {"flex": 0.25, "Priority": 3}}]}
            """);
        var usage = new TokenUsage(1_000_000, 0); // $1 at the standard rate

        Assert.Equal(0.25m, catalog.Calculate("acme", "m", usage with { ServiceTier = "flex" }));
        Assert.Equal(3m, catalog.Calculate("acme", "m", usage with { ServiceTier = "priority" })); // tier names are case-insensitive
        Assert.Equal(0.5m, catalog.Calculate("acme", "m", usage with { ServiceTier = "batch" }));
    }

    [Theory]
    [InlineData("{\"flex\": -0.5}")]
    [InlineData("{\"flex\": 0}")]
    [InlineData("{\"flex\": \"half\"}")]
    public void A_bad_factor_is_refused_with_the_entry_and_tier_named(string tiers)
    {
        var ex = Assert.Throws<FormatException>(() => Load(
            "{\"version\": \"t\", \"models\": [{\"provider\": \"acme\", \"model\": \"m\", \"input\": 1, \"output\": 2, \"service_tiers\": " + tiers + "}]}"));

        Assert.Contains("/models/0", ex.Message, StringComparison.Ordinal);
        Assert.Contains("acme/m", ex.Message, StringComparison.Ordinal);
        Assert.Contains("\"flex\"", ex.Message, StringComparison.Ordinal);
    }

    private static PriceCatalog Load(string json) => PriceCatalog.Load(new MemoryStream(Encoding.UTF8.GetBytes(json)));
}
