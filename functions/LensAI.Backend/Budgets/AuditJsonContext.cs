using System.Text.Json;
using LensAI.Backend.Storage;
using LensAI.Budgets;

namespace LensAI.Backend.Budgets;

[System.Text.Json.Serialization.JsonSerializable(typeof(AuditEntry))]
internal sealed partial class AuditJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
