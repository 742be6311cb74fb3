using System.Text.Json.Serialization;

namespace LensAI.Backend.Budgets;

public sealed record NamedCost([property: JsonPropertyName("name")] string Name, [property: JsonPropertyName("cost_usd")] decimal CostUsd);
