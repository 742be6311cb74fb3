namespace LensAI.Backend.Budgets;

/// <summary>Who changed what, when.</summary>
internal sealed record AuditEntry(
    [property: System.Text.Json.Serialization.JsonPropertyName("at")] DateTimeOffset At,
    [property: System.Text.Json.Serialization.JsonPropertyName("project")] string Project,
    [property: System.Text.Json.Serialization.JsonPropertyName("actor")] string Actor,
    [property: System.Text.Json.Serialization.JsonPropertyName("action")] string Action,
    [property: System.Text.Json.Serialization.JsonPropertyName("detail")] string Detail);
