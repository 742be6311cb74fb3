namespace LensAI.Backend.Budgets;

[System.Text.Json.Serialization.JsonSerializable(typeof(AuditEntry))]
internal sealed partial class AuditJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
