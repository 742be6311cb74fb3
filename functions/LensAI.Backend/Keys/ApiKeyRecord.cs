using System.Text.Json.Serialization;

namespace LensAI.Backend.Keys;

/// <summary>A stored API key: only its SHA-256 hash and a short public prefix to find it.</summary>
public sealed record ApiKeyRecord(
    [property: JsonPropertyName("prefix")] string Prefix,
    [property: JsonPropertyName("sha256")] string Sha256,
    [property: JsonPropertyName("project")] string Project,
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("created")] DateTimeOffset Created,
    [property: JsonPropertyName("revoked")] DateTimeOffset? Revoked)
{
    /// <summary>
    /// The key's scopes (<c>ingest</c>, <c>read</c>, <c>admin</c>); <see langword="null"/> for a key created before
    /// scopes existed, which keeps every scope until it is rotated.
    /// </summary>
    [JsonPropertyName("scopes")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Scopes { get; init; }

    /// <summary>When the key stops working (set at creation, or by a rotation's overlap window); null: never.</summary>
    [JsonPropertyName("expires")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTimeOffset? Expires { get; init; }

    /// <summary>The prefix of the key that replaced this one in a rotation.</summary>
    [JsonPropertyName("rotated_to")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? RotatedTo { get; init; }

    /// <summary>What the key may do: its recorded scopes, or every scope for a key stored without any.</summary>
    internal ApiKeyScopes EffectiveScopes
        => Scopes is null ? ApiKeyScopes.All : ApiKeyScopeNames.TryParse(Scopes, out var scopes, out _) ? scopes : ApiKeyScopes.None;

    /// <summary>Whether the key is accepted at <paramref name="now"/>: not revoked, not expired.</summary>
    public bool IsActiveAt(DateTimeOffset now) => Revoked is null && (Expires is null || now < Expires);
}
