using LensAI.Backend.Keys;

namespace LensAI.Backend.Http;

/// <summary>
/// The API key scope an endpoint requires, as endpoint metadata: <c>MapLensAIApi</c> puts one on every authenticated
/// route and <see cref="ApiKeyGuard"/> checks it (an authenticated route without one refuses every key). The worker's
/// functions pass the same instances. A test enumerates the app's endpoints and calls each with a key of each scope.
/// </summary>
internal sealed class RequiredScope
{
    private RequiredScope(ApiKeyScopes scope) => Scope = scope;

    /// <summary>Sending events and polling the kill-switch (the SDK's key).</summary>
    public static RequiredScope Ingest { get; } = new(ApiKeyScopes.Ingest);

    /// <summary>Reports, the dashboard, exports, reading budgets.</summary>
    public static RequiredScope Read { get; } = new(ApiKeyScopes.Read);

    /// <summary>Changing budgets, overrides, raises, resets, the audit log.</summary>
    public static RequiredScope Admin { get; } = new(ApiKeyScopes.Admin);

    /// <summary>The scope.</summary>
    public ApiKeyScopes Scope { get; }

    /// <summary>The scope's name (<c>ingest</c>, <c>read</c>, <c>admin</c>).</summary>
    public override string ToString() => ApiKeyScopeNames.Of(Scope)[0];
}
