using System.Text.Json.Serialization;

namespace LensAI.Budgets;

/// <summary>
/// The kill-switch document served by <c>GET /v1/budgets/status</c> and polled by the SDK: every budget of the
/// project with its spend at <see cref="GeneratedAt"/>, and which scopes are blocked.
/// </summary>
public sealed class BudgetStatusDocument
{
    /// <summary>The project the document describes (from the API key).</summary>
    [JsonPropertyName("project_id")]
    public required string ProjectId { get; init; }

    /// <summary>When the budget check produced the spend figures.</summary>
    [JsonPropertyName("generated_at")]
    public required DateTimeOffset GeneratedAt { get; init; }

    /// <summary>One entry per budget (and, for a default per-user budget, per user it is watching).</summary>
    [JsonPropertyName("budgets")]
    public required IReadOnlyList<BudgetScopeStatus> Budgets { get; init; }
}

/// <summary>The state of one budget over one scope for the current period.</summary>
public sealed class BudgetScopeStatus
{
    /// <summary>The budget's id.</summary>
    [JsonPropertyName("budget_id")]
    public required string BudgetId { get; init; }

    /// <summary>What the budget covers: <c>project</c>, <c>user</c>, <c>route</c>, <c>model</c> or <c>metadata</c>.</summary>
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

/// <summary>Source-generated JSON for the budget status document.</summary>
[JsonSerializable(typeof(BudgetStatusDocument))]
public sealed partial class BudgetStatusJsonContext : JsonSerializerContext;
