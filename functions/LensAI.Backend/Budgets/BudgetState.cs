using System.Text.Json.Serialization;

namespace LensAI.Backend.Budgets;

/// <summary>
/// The persisted state machine of a project's budgets (<c>_system/budget-state/&lt;project&gt;.json</c>), updated only
/// with conditional writes: which thresholds fired this period, forecast and unpriced reports, overrides and raises,
/// and the alert outbox. Re-runs, restarts and concurrent instances therefore never fire an alert twice.
/// </summary>
public sealed class BudgetStateFile
{
    [JsonPropertyName("scopes")]
    public Dictionary<string, BudgetScopeState> Scopes { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Alerts decided but not yet delivered: retried on every run until delivered.</summary>
    [JsonPropertyName("outbox")]
    public List<PendingAlert> Outbox { get; set; } = [];

    /// <summary>Ids of the most recently delivered alerts (bounded), so a retried delivery is never repeated.</summary>
    [JsonPropertyName("sent")]
    public List<string> Sent { get; set; } = [];

    /// <summary>Alerts given up on after too many failed attempts (kept for operators).</summary>
    [JsonPropertyName("dead")]
    public List<PendingAlert> Dead { get; set; } = [];
}

public sealed class BudgetScopeState
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

/// <summary>An alert waiting for delivery.</summary>
public sealed class PendingAlert
{
    [JsonPropertyName("alert")]
    public required BudgetAlertData Alert { get; set; }

    /// <summary>The channel this entry delivers to (<c>slack</c>, <c>webhook</c>, <c>log</c>): one entry per channel, so a
    /// retry on one channel never re-sends on another.</summary>
    [JsonPropertyName("channel")]
    public string Channel { get; set; } = "log";

    [JsonPropertyName("attempts")]
    public int Attempts { get; set; }

    /// <summary>The instance sending it now (claimed with a conditional write, so two instances never both send it).</summary>
    [JsonPropertyName("claimed_by")]
    public string? ClaimedBy { get; set; }

    [JsonPropertyName("claimed_until")]
    public DateTimeOffset? ClaimedUntil { get; set; }

    [JsonPropertyName("next_attempt_at")]
    public DateTimeOffset? NextAttemptAt { get; set; }

    [JsonPropertyName("last_error")]
    public string? LastError { get; set; }
}

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

    [JsonPropertyName("action")]
    public required string Action { get; init; }

    [JsonPropertyName("blocked")]
    public bool Blocked { get; init; }
}

public sealed record NamedCost([property: JsonPropertyName("name")] string Name, [property: JsonPropertyName("cost_usd")] decimal CostUsd);

[JsonSerializable(typeof(BudgetStateFile))]
[JsonSerializable(typeof(BudgetAlertData))]
internal sealed partial class BudgetStateJsonContext : JsonSerializerContext;
