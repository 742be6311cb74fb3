namespace LensAI;

/// <summary>
/// Per-request attribution for calls made through an <see cref="HttpClient"/> wrapped by LensAI.
/// Values set here win over the ambient scope of <see cref="LensAIClient.BeginScope"/>.
/// </summary>
public static class LensAIRequestOptions
{
    /// <summary>The end user the call is attributed to.</summary>
    public static readonly HttpRequestOptionsKey<string> UserId = new("LensAI.UserId");

    /// <summary>The feature or route the call is attributed to.</summary>
    public static readonly HttpRequestOptionsKey<string> Route = new("LensAI.Route");

    /// <summary>Metadata for this call; merged over the scope's metadata.</summary>
    public static readonly HttpRequestOptionsKey<IReadOnlyDictionary<string, string>> Metadata = new("LensAI.Metadata");

    /// <summary>Set by LensAI on a request it has captured, so a second LensAI handler in the same chain passes it through.</summary>
    internal static readonly HttpRequestOptionsKey<bool> Captured = new("LensAI.Captured");

    /// <summary>Attributes this request to a user, a route and metadata (per-call values win over the ambient scope).</summary>
    /// <returns>The same request, for chaining.</returns>
    public static HttpRequestMessage WithLensAI(this HttpRequestMessage request, string? userId = null, string? route = null, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (userId is not null)
        {
            request.Options.Set(UserId, userId);
        }

        if (route is not null)
        {
            request.Options.Set(Route, route);
        }

        if (metadata is not null)
        {
            request.Options.Set(Metadata, metadata);
        }

        return request;
    }
}
