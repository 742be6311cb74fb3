using System.Text.Json.Serialization;

namespace LensAI.Backend.Budgets;

/// <summary>
/// The persisted state machine of a project's budgets (<c>_system/budget-state/&lt;project&gt;.json</c>), updated only
/// with conditional writes: which thresholds fired this period, forecast and unpriced reports, overrides and raises,
/// and the alert outbox. Re-runs, restarts and concurrent instances therefore never fire an alert twice.
/// </summary>
internal sealed class BudgetStateFile
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
