using Microsoft.AspNetCore.Http;

namespace LensAI.Backend.Http;

/// <summary>
/// Who an admitted <c>/v1</c> request is from, set by <see cref="ApiKeyGuard"/> as a request feature: the project its
/// key belongs to and the key's public prefix (for audit trails). Handlers read it; they never look at the header.
/// </summary>
internal sealed record ApiCaller(string Project, string KeyPrefix)
{
    /// <summary>The key's name, when it has one.</summary>
    public string? KeyName { get; init; }

    /// <summary>Who the caller is in the audit log: <c>key:&lt;prefix&gt;</c>, with the key's name when it has one.</summary>
    public string Actor => KeyName is null ? "key:" + KeyPrefix : $"key:{KeyPrefix} ({KeyName})";

    /// <summary>The caller of an admitted request; throws when the request did not pass <see cref="ApiKeyGuard"/>.</summary>
    public static ApiCaller Of(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        return http.Features.Get<ApiCaller>()
            ?? throw new InvalidOperationException("The request was not admitted by the API key guard: map authenticated endpoints with MapLensAIApi, or call them through ApiKeyGuard.InvokeAsync.");
    }
}
