using System.Text.Json;
using System.Text.Json.Serialization;
using LensAI.Backend.Storage;

namespace LensAI.Backend.Jobs;

internal sealed record LeaseRecord([property: JsonPropertyName("owner")] string Owner, [property: JsonPropertyName("expires")] DateTimeOffset Expires);
