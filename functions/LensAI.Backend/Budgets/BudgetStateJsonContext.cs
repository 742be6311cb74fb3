using System.Text.Json.Serialization;

namespace LensAI.Backend.Budgets;

[JsonSerializable(typeof(BudgetStateFile))]
[JsonSerializable(typeof(BudgetAlertData))]
internal sealed partial class BudgetStateJsonContext : JsonSerializerContext;
