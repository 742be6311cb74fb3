using System.Globalization;

namespace LensAI.Backend.Alerts;

/// <summary>
/// One alert to send about one budget in one period. <see cref="AlertId"/> is stable across re-runs, restarts and
/// instances (see <see cref="CreateId"/>): channels pass it on (<c>alert_id</c>) so a receiver can drop a repeat.
/// </summary>
internal sealed record BudgetAlert
{
    /// <summary>Value of <see cref="Action"/> for a budget that only alerts at 100 %.</summary>
    public const string ActionAlert = "alert";

    /// <summary>Value of <see cref="Action"/> for a budget that blocks calls at 100 % (the kill-switch).</summary>
    public const string ActionBlock = "block";

    /// <summary>Stable idempotency id: <c>&lt;project&gt;:&lt;budget&gt;:&lt;period start yyyyMMdd&gt;:&lt;kind&gt;</c> (see <see cref="CreateId"/>).</summary>
    public required string AlertId { get; init; }

    /// <summary>The project id.</summary>
    public required string Project { get; init; }

    /// <summary>The budget's id within the project.</summary>
    public required string BudgetId { get; init; }

    /// <summary>What the budget applies to.</summary>
    public required BudgetScope Scope { get; init; }

    /// <summary><c>daily</c>, <c>weekly</c> or <c>monthly</c>.</summary>
    public required string Period { get; init; }

    /// <summary>Start of the period (inclusive), in the budget's time zone offset.</summary>
    public required DateTimeOffset PeriodStart { get; init; }

    /// <summary>End of the period (exclusive): when the budget resets.</summary>
    public required DateTimeOffset PeriodEnd { get; init; }

    /// <summary>Why the alert is sent.</summary>
    public required BudgetAlertKind Kind { get; init; }

    /// <summary>The threshold crossed (50, 75, 90, 100…) for <see cref="BudgetAlertKind.Threshold"/>; otherwise null.</summary>
    public int? ThresholdPercent { get; init; }

    /// <summary>Spend in the period so far, USD (priced calls only).</summary>
    public required decimal SpentUsd { get; init; }

    /// <summary>The budget's amount, USD.</summary>
    public required decimal LimitUsd { get; init; }

    /// <summary>Spend as a percentage of the limit (75.0 = 75 %).</summary>
    public required decimal Percent { get; init; }

    /// <summary>Projected spend at the end of the period, USD, when a forecast was made.</summary>
    public decimal? ForecastUsd { get; init; }

    /// <summary>When the projection crosses the limit, if it does before the period ends.</summary>
    public DateTimeOffset? ProjectedExceedAt { get; init; }

    /// <summary>The models driving the spend, most expensive first.</summary>
    public IReadOnlyList<CostShare> TopModels { get; init; } = [];

    /// <summary>The users driving the spend, most expensive first.</summary>
    public IReadOnlyList<CostShare> TopUsers { get; init; } = [];

    /// <summary>Calls in the scope and period the catalogue could not price (not counted in <see cref="SpentUsd"/>).</summary>
    public long UnpricedCalls { get; init; }

    /// <summary>The models of those calls.</summary>
    public IReadOnlyList<string> UnpricedModels { get; init; } = [];

    /// <summary>
    /// Calls in the scope and period whose tokens LensAI estimated (streams abandoned or broken before their usage,
    /// calls that timed out): counted in <see cref="SpentUsd"/> at their estimate.
    /// </summary>
    public long EstimatedCalls { get; init; }

    /// <summary>What the budget does at 100 %: <see cref="ActionAlert"/> or <see cref="ActionBlock"/>.</summary>
    public string Action { get; init; } = ActionAlert;

    /// <summary>True when the kill-switch is blocking calls in this scope now.</summary>
    public bool Blocked { get; init; }

    /// <summary>
    /// The stable alert id: <c>&lt;project&gt;:&lt;budget&gt;:&lt;period start yyyyMMdd&gt;:&lt;kind&gt;</c>, where kind is
    /// <c>threshold-75</c>, <c>forecast</c> or <c>unpriced</c>. The date is the period start's own calendar date
    /// (the budget's time zone), so a new period gives new ids.
    /// </summary>
    public static string CreateId(string project, string budgetId, DateTimeOffset periodStart, BudgetAlertKind kind, int? thresholdPercent = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(project);
        ArgumentException.ThrowIfNullOrEmpty(budgetId);
        var suffix = kind switch
        {
            BudgetAlertKind.Threshold => "threshold-" + (thresholdPercent ?? throw new ArgumentException("A threshold alert needs its threshold.", nameof(thresholdPercent)))
                .ToString(CultureInfo.InvariantCulture),
            BudgetAlertKind.Forecast => "forecast",
            BudgetAlertKind.Unpriced => "unpriced",
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown alert kind."),
        };
        return string.Join(':', project, budgetId, periodStart.ToString("yyyyMMdd", CultureInfo.InvariantCulture), suffix);
    }
}
