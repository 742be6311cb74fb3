using System.Text.Json.Serialization;

namespace LensAI.Budgets;

/// <summary>Source-generated JSON for the budget status document.</summary>
[JsonSerializable(typeof(BudgetStatusDocument))]
public sealed partial class BudgetStatusJsonContext : JsonSerializerContext;
