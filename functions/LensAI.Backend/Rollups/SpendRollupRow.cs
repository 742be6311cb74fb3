using System.Text.Json.Serialization;

namespace LensAI.Backend.Rollups;

/// <summary>Cost, unpriced and estimated calls of one (period, window, dimension, key); dimension <c>all</c>, <c>model</c>, <c>user</c>, <c>route</c> or <c>metadata</c>.</summary>
internal sealed record SpendRollupRow(
    [property: JsonPropertyName("p")] string Period,
    [property: JsonPropertyName("w")] DateTimeOffset Window,
    [property: JsonPropertyName("d")] string Dimension,
    [property: JsonPropertyName("k")] string Key,
    [property: JsonPropertyName("c")] decimal Cost,
    [property: JsonPropertyName("u")] long Unpriced,
    [property: JsonPropertyName("e")] long Estimated = 0);
