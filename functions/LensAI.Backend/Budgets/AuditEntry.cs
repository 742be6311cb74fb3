using System.Text.Json;
using System.Text.Json.Serialization;

namespace LensAI.Backend.Budgets;

/// <summary>
/// Who changed what, when: one entry of a project's audit log. <see cref="Action"/> is the kind (<c>budget.created</c>,
/// <c>budget.override</c>, <c>key.rotated</c>, <c>alert.sent</c>, …; see docs/audit.md), <see cref="Detail"/> a
/// one-line summary; the target, the values before and after, and the reason are recorded where the change has them.
/// </summary>
internal sealed record AuditEntry(
    [property: JsonPropertyName("at")] DateTimeOffset At,
    [property: JsonPropertyName("project")] string Project,
    [property: JsonPropertyName("actor")] string Actor,
    [property: JsonPropertyName("action")] string Action,
    [property: JsonPropertyName("detail")] string Detail)
{
    /// <summary>What changed: <c>budget:&lt;id&gt;</c> (with <c>/&lt;scope value&gt;</c>), <c>key:&lt;prefix&gt;</c>, …</summary>
    [JsonPropertyName("target")]
    public string? Target { get; init; }

    /// <summary>The value before the change (JSON; null when it did not exist).</summary>
    [JsonPropertyName("before")]
    public JsonElement? Before { get; init; }

    /// <summary>The value after the change (JSON; null when it was deleted).</summary>
    [JsonPropertyName("after")]
    public JsonElement? After { get; init; }

    /// <summary>Why, as the person who made the change said (required for overrides, raises and resets outside Slack).</summary>
    [JsonPropertyName("reason")]
    public string? Reason { get; init; }

    /// <summary>The entry's id: the ULID its object is named after (sorts by time); the cursor of <c>GET /v1/audit</c>.</summary>
    [JsonPropertyName("id")]
    public string? Id { get; init; }
}
