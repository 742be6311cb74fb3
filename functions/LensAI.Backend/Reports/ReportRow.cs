using System.Text.Json.Serialization;

namespace LensAI.Backend.Reports;

/// <summary>
/// One row of a breakdown (by model, user or route). <c>latency_p50</c> and <c>latency_p95</c> are percentiles of all the
/// row's calls in the range, from the rollups' merged log-scale histograms: within a factor of 1.2 of the exact value
/// (<c>quantile_cont</c> over the raw events) for latencies between 1 ms and about 10 minutes.
/// </summary>
internal sealed record ReportRow(
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("requests")] long Requests,
    [property: JsonPropertyName("tokens_in")] long TokensIn,
    [property: JsonPropertyName("tokens_out")] long TokensOut,
    [property: JsonPropertyName("cost_usd")] decimal CostUsd,
    [property: JsonPropertyName("unpriced")] long Unpriced,
    [property: JsonPropertyName("errors")] long Errors,
    [property: JsonPropertyName("latency_p50")] double? LatencyP50,
    [property: JsonPropertyName("latency_p95")] double? LatencyP95)
{
    /// <summary>
    /// Calls whose token counts LensAI estimated (<c>usage_estimated</c>: a stream abandoned or broken before its usage,
    /// a call that timed out after it was sent). Their estimated cost is in <see cref="CostUsd"/>, never left out as $0.
    /// </summary>
    [JsonPropertyName("estimated")]
    public long Estimated { get; init; }
}
