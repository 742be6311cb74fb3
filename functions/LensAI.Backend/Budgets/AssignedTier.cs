using System.Text.Json.Serialization;

namespace LensAI.Backend.Budgets;

/// <summary>
/// A user's tier as the billing system set it (a Stripe subscription), kept in the budgets file under
/// <c>user_tiers</c>. It wins over the tier the user's calls carry in metadata. Server-owned: a <c>PUT /v1/budgets</c>
/// keeps the stored ones whatever it sends.
/// </summary>
internal sealed class AssignedTier
{
    [JsonPropertyName("tier")]
    public string Tier { get; set; } = "";

    /// <summary>Who set it: <c>stripe</c>.</summary>
    [JsonPropertyName("source")]
    public string Source { get; set; } = "stripe";

    /// <summary>When the change happened at the source (the Stripe event's <c>created</c>): an older event never overrides a newer one.</summary>
    [JsonPropertyName("at")]
    public DateTimeOffset At { get; set; }

    /// <summary>The source's reference (the Stripe subscription id).</summary>
    [JsonPropertyName("reference")]
    public string? Reference { get; set; }
}
