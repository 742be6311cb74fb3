namespace LensAI.Backend.Keys;

/// <summary>A key as created: the secret is shown once and never stored.</summary>
public sealed record CreatedApiKey(string Key, ApiKeyRecord Record);
