using System.Text.Json.Serialization;

namespace LensAI.Backend.Keys;

internal sealed record KeyFile([property: JsonPropertyName("keys")] IReadOnlyList<ApiKeyRecord> Keys);
