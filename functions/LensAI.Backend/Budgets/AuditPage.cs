using System.Text.Json.Serialization;

namespace LensAI.Backend.Budgets;

/// <summary>One page of <c>GET /v1/audit</c>: entries oldest first, and the cursor of the next page (null: the last).</summary>
internal sealed record AuditPage(
    [property: JsonPropertyName("entries")] IReadOnlyList<AuditEntry> Entries,
    [property: JsonPropertyName("next_cursor")] string? NextCursor);
