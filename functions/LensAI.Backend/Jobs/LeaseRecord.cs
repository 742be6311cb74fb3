using System.Text.Json.Serialization;

namespace LensAI.Backend.Jobs;

internal sealed record LeaseRecord([property: JsonPropertyName("owner")] string Owner, [property: JsonPropertyName("expires")] DateTimeOffset Expires);
