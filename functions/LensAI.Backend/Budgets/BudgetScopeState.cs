using System.Text.Json.Serialization;

namespace LensAI.Backend.Budgets;

/// <summary>
/// One budget scope's state machine for its current period. It holds transitions only (thresholds fired, reports
/// made, overrides, raises, the block), not the spend, so a check whose spend changed but crossed nothing writes
/// nothing: the spend is in the kill-switch document.
/// </summary>
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
}
