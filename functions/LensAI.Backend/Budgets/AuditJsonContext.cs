using System.Text.Json.Serialization;
using LensAI.Backend.Keys;

namespace LensAI.Backend.Budgets;

[JsonSerializable(typeof(AuditEntry))]
[JsonSerializable(typeof(AuditPage))]
[JsonSerializable(typeof(BudgetDefinition))]
[JsonSerializable(typeof(DefaultUserBudget))]
[JsonSerializable(typeof(Dictionary<string, string?>))]
[JsonSerializable(typeof(string))]
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class AuditJsonContext : JsonSerializerContext;
