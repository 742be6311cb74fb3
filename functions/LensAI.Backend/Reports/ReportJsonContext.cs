using System.Text.Json.Serialization;

namespace LensAI.Backend.Reports;

[JsonSerializable(typeof(ProjectReport))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
internal sealed partial class ReportJsonContext : JsonSerializerContext;
