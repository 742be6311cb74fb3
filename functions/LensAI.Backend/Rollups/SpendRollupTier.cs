using System.Text.Json.Serialization;

namespace LensAI.Backend.Rollups;

/// <summary>A user's tier in one (period, window): the value of the tier metadata key on their latest event carrying it.</summary>
internal sealed record SpendRollupTier(
    [property: JsonPropertyName("p")] string Period,
    [property: JsonPropertyName("w")] DateTimeOffset Window,
    [property: JsonPropertyName("user")] string User,
    [property: JsonPropertyName("ts")] DateTimeOffset At,
    [property: JsonPropertyName("tier")] string Tier);
