using System.Globalization;
using System.Text.Json.Serialization;
using LensAI.Backend.Budgets;
using LensAI.Backend.DuckDb;
using LensAI.Backend.Rollups;
using LensAI.Budgets;

namespace LensAI.Backend.Reports;

[JsonSerializable(typeof(ProjectReport))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
public sealed partial class ReportJsonContext : JsonSerializerContext;
