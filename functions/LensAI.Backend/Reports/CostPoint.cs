using System.Text.Json.Serialization;

namespace LensAI.Backend.Reports;

/// <summary>A point of a time series: cost of one key in one bucket.</summary>
internal sealed record CostPoint(
    [property: JsonPropertyName("bucket")] DateTimeOffset Bucket,
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("cost_usd")] decimal CostUsd);
