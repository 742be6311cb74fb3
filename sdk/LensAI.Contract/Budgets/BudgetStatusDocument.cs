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
