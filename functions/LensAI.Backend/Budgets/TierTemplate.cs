using System.Text.Json.Serialization;

namespace LensAI.Backend.Budgets;

internal sealed class TierTemplate
{
    [JsonPropertyName("amount_usd")]
    public decimal AmountUsd { get; set; }

    [JsonPropertyName("period")]
    public string Period { get; set; } = "monthly";

    [JsonPropertyName("action")]
    public string Action { get; set; } = "block";

    [JsonPropertyName("thresholds")]
    public List<int> Thresholds { get; set; } = [50, 75, 90, 100];

    [JsonPropertyName("override_window")]
    public TimeSpan OverrideWindow { get; set; } = TimeSpan.FromHours(1);
}
