using System.Text.Json.Serialization;

namespace LensAI.Backend.Budgets;

/// <summary>A quota for every user without their own budget, chosen by the user's tier (a metadata key on their calls).</summary>
internal sealed class DefaultUserBudget
{
    /// <summary>The metadata key holding the tier (default <c>tier</c>).</summary>
    [JsonPropertyName("tier_metadata_key")]
    public string TierMetadataKey { get; set; } = "tier";

    /// <summary>The tier of users whose calls carry none.</summary>
    [JsonPropertyName("default_tier")]
    public string DefaultTier { get; set; } = "free";

    /// <summary>Template per tier; null means no quota (e.g. enterprise).</summary>
    [JsonPropertyName("tiers")]
    public Dictionary<string, TierTemplate?> Tiers { get; set; } = new(StringComparer.Ordinal);
}
