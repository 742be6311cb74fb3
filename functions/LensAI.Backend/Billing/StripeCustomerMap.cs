using System.Text.Json.Serialization;

namespace LensAI.Backend.Billing;

/// <summary>Who pays for a project's usage in Stripe (<c>_system/stripe/&lt;project&gt;.json</c>).</summary>
public sealed class StripeCustomerMap
{
    /// <summary>user_id → Stripe customer id. Users not listed are billed by the metadata key on their calls, if any.</summary>
    [JsonPropertyName("users")]
    public Dictionary<string, string> Users { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Bills the whole project to one customer (when set, per-user mapping is not used).</summary>
    [JsonPropertyName("project_customer")]
    public string? ProjectCustomer { get; set; }
}
