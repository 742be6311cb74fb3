using System.Text.Json.Serialization;

namespace LensAI.Backend.Reports;

/// <summary>Everything the report and the dashboard show for a project and a range.</summary>
internal sealed record ProjectReport(
    [property: JsonPropertyName("project")] string Project,
    [property: JsonPropertyName("from")] DateTimeOffset From,
    [property: JsonPropertyName("to")] DateTimeOffset To,
    [property: JsonPropertyName("grain")] string Grain,
    [property: JsonPropertyName("totals")] ReportRow Totals,
    [property: JsonPropertyName("by_model")] IReadOnlyList<ReportRow> ByModel,
    [property: JsonPropertyName("by_user")] IReadOnlyList<ReportRow> ByUser,
    [property: JsonPropertyName("by_route")] IReadOnlyList<ReportRow> ByRoute,
    [property: JsonPropertyName("cost_over_time")] IReadOnlyList<CostPoint> CostOverTime,
    [property: JsonPropertyName("latency_over_time")] IReadOnlyList<LatencyPoint> LatencyOverTime,
    [property: JsonPropertyName("budgets")] IReadOnlyList<BudgetGauge> Budgets,
    [property: JsonPropertyName("unpriced_models")] IReadOnlyList<string> UnpricedModels);
