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

    /// <summary>The channels the per-user quota alerts go to (<c>slack</c>, <c>webhook</c>, <c>email</c>); null: every configured channel.</summary>
    [JsonPropertyName("channels")]
    public List<string>? Channels { get; set; }

    /// <summary>Who gets the per-user quota alerts by e-mail; null: <c>LensAI:Backend:Alerts:Email:To</c>.</summary>
    [JsonPropertyName("email_to")]
    public List<string>? EmailTo { get; set; }
}
