using System.Text.Json.Serialization;

namespace LensAI.Backend.Budgets;

internal sealed class BudgetScopeState
{
    [JsonPropertyName("period_start")]
    public DateTimeOffset PeriodStart { get; set; }

    [JsonPropertyName("fired")]
    public List<int> Fired { get; set; } = [];

    [JsonPropertyName("forecast_fired")]
    public bool ForecastFired { get; set; }

    [JsonPropertyName("unpriced_reported")]
    public bool UnpricedReported { get; set; }

    [JsonPropertyName("override_until")]
    public DateTimeOffset? OverrideUntil { get; set; }

    /// <summary>Raises applied this period ("Raise 10 %" multiplies by 1.1).</summary>
    [JsonPropertyName("limit_multiplier")]
    public decimal LimitMultiplier { get; set; } = 1m;

    [JsonPropertyName("blocked")]
    public bool Blocked { get; set; }

    [JsonPropertyName("spent_usd")]
    public decimal SpentUsd { get; set; }
}
