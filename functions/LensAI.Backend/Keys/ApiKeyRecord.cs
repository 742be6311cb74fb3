using System.Text.Json.Serialization;

namespace LensAI.Backend.Keys;

/// <summary>A stored API key: only its SHA-256 hash and a short public prefix to find it.</summary>
public sealed record ApiKeyRecord(
    [property: JsonPropertyName("prefix")] string Prefix,
    [property: JsonPropertyName("sha256")] string Sha256,
    [property: JsonPropertyName("project")] string Project,
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("created")] DateTimeOffset Created,
    [property: JsonPropertyName("revoked")] DateTimeOffset? Revoked);
