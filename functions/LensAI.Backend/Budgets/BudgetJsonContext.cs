using System.Text.Json;
using System.Text.Json.Serialization;

namespace LensAI.Backend.Budgets;

[JsonSerializable(typeof(BudgetFile))]
[JsonSourceGenerationOptions(WriteIndented = true, ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true)]
internal sealed partial class BudgetJsonContext : JsonSerializerContext;
