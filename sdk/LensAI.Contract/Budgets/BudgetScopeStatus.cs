using System.Text.Json.Serialization;

namespace LensAI.Budgets;

/// <summary>The state of one budget over one scope for the current period.</summary>
public sealed class BudgetScopeStatus
{
    /// <summary>The budget's id.</summary>
    [JsonPropertyName("budget_id")]
    public required string BudgetId { get; init; }

    /// <summary>What the budget covers: one of <see cref="BudgetScopeNames"/> (<c>project</c>, <c>user</c>, <c>route</c>, <c>model</c> or <c>metadata</c>).</summary>
    [JsonPropertyName("scope")]
    public required string Scope { get; init; }

    /// <summary>The scope's value: a user id, route, model, or <c>key=value</c> for metadata; null for the project.</summary>
    [JsonPropertyName("scope_value")]
    public string? ScopeValue { get; init; }

    /// <summary><c>daily</c>, <c>weekly</c> or <c>monthly</c>.</summary>
    [JsonPropertyName("period")]
    public required string Period { get; init; }

    /// <summary>Start of the current period (calendar-aligned in the budget's time zone), UTC.</summary>
    [JsonPropertyName("period_start")]
    public required DateTimeOffset PeriodStart { get; init; }

    /// <summary>End of the current period (exclusive), UTC: when the budget resets.</summary>
    [JsonPropertyName("period_end")]
    public required DateTimeOffset PeriodEnd { get; init; }

    /// <summary>The limit in US dollars for the period (raises applied).</summary>
    [JsonPropertyName("limit_usd")]
    public required decimal LimitUsd { get; init; }

    /// <summary>Spend in the period as of the document's time.</summary>
    [JsonPropertyName("spent_usd")]
    public required decimal SpentUsd { get; init; }

    /// <summary><c>alert</c> (never blocks) or <c>block</c> (blocks at 100 %).</summary>
    [JsonPropertyName("action")]
    public required string Action { get; init; }

    /// <summary>Whether calls in this scope are blocked now.</summary>
    [JsonPropertyName("blocked")]
    public bool Blocked { get; init; }

    /// <summary>Why it is blocked (for logs and operators; may contain amounts).</summary>
    [JsonPropertyName("reason")]
    public string? Reason { get; init; }

    /// <summary>While an override is active, calls are allowed until this time even over the limit.</summary>
    [JsonPropertyName("override_until")]
    public DateTimeOffset? OverrideUntil { get; init; }
}
