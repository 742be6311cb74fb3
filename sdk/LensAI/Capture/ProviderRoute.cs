namespace LensAI.Capture;

/// <summary>What a request is: which provider, which operation, how its usage reads.</summary>
internal readonly record struct ProviderRoute(
    string Provider,
    string Operation,
    UsageDialect Dialect,
    bool StreamFromUrl = false,
    string? ModelFromUrl = null,
    bool CanInjectStreamUsage = false);
