using System.Text.Json.Serialization;

namespace LensAI.Backend.Budgets;

/// <summary>What an alert says (channel-independent).</summary>
public sealed record BudgetAlertData
{
    /// <summary>Stable id: <c>project|budget|scope value|period start|kind</c>.</summary>
    [JsonPropertyName("alert_id")]
    public required string AlertId { get; init; }

    [JsonPropertyName("project")]
    public required string Project { get; init; }

    [JsonPropertyName("budget_id")]
    public required string BudgetId { get; init; }

    [JsonPropertyName("scope")]
    public required string Scope { get; init; }

    [JsonPropertyName("scope_value")]
    public string? ScopeValue { get; init; }

    [JsonPropertyName("period")]
    public required string Period { get; init; }

    [JsonPropertyName("period_start")]
    public DateTimeOffset PeriodStart { get; init; }

    [JsonPropertyName("period_end")]
    public DateTimeOffset PeriodEnd { get; init; }

    /// <summary><c>threshold</c>, <c>forecast</c> or <c>unpriced</c>.</summary>
    [JsonPropertyName("kind")]
    public required string Kind { get; init; }

    [JsonPropertyName("threshold_percent")]
    public int? ThresholdPercent { get; init; }

    [JsonPropertyName("spent_usd")]
    public decimal SpentUsd { get; init; }

    [JsonPropertyName("limit_usd")]
    public decimal LimitUsd { get; init; }

    [JsonPropertyName("percent")]
    public decimal Percent { get; init; }

    [JsonPropertyName("forecast_usd")]
    public decimal? ForecastUsd { get; init; }

    [JsonPropertyName("projected_exceed_at")]
    public DateTimeOffset? ProjectedExceedAt { get; init; }

    [JsonPropertyName("top_models")]
    public IReadOnlyList<NamedCost> TopModels { get; init; } = [];

    [JsonPropertyName("top_users")]
    public IReadOnlyList<NamedCost> TopUsers { get; init; } = [];

    [JsonPropertyName("unpriced_calls")]
    public long UnpricedCalls { get; init; }

    [JsonPropertyName("unpriced_models")]
    public IReadOnlyList<string> UnpricedModels { get; init; } = [];

    [JsonPropertyName("estimated_calls")]
    public long EstimatedCalls { get; init; }

    [JsonPropertyName("action")]
    public required string Action { get; init; }

    [JsonPropertyName("blocked")]
    public bool Blocked { get; init; }
}
