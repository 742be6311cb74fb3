using System.Text.Json.Serialization;

namespace LensAI.Backend.Reports;

/// <summary>A budget's state with its end-of-period projection.</summary>
internal sealed record BudgetGauge(
    [property: JsonPropertyName("budget_id")] string BudgetId,
    [property: JsonPropertyName("scope")] string Scope,
    [property: JsonPropertyName("scope_value")] string? ScopeValue,
    [property: JsonPropertyName("period")] string Period,
    [property: JsonPropertyName("period_end")] DateTimeOffset PeriodEnd,
    [property: JsonPropertyName("limit_usd")] decimal LimitUsd,
    [property: JsonPropertyName("spent_usd")] decimal SpentUsd,
    [property: JsonPropertyName("forecast_usd")] decimal ForecastUsd,
    [property: JsonPropertyName("blocked")] bool Blocked);
