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

/// <summary>The ambient attribution of the current async flow (set by <see cref="LensAIClient.BeginScope"/>).</summary>
internal sealed class AttributionScope : IDisposable
{
    private static readonly AsyncLocal<AttributionScope?> s_current = new();

    private readonly AttributionScope? _parent;
    private bool _disposed;

    private AttributionScope(AttributionScope? parent, string? userId, string? route, IReadOnlyDictionary<string, string>? metadata)
    {
        _parent = parent;
        UserId = userId ?? parent?.UserId;
        Route = route ?? parent?.Route;
        Metadata = Merge(parent?.Metadata, metadata);
    }

    public static AttributionScope? Current => s_current.Value;

    public string? UserId { get; }

    public string? Route { get; }

    public IReadOnlyDictionary<string, string>? Metadata { get; }

    public static AttributionScope Begin(string? userId, string? route, IReadOnlyDictionary<string, string>? metadata)
    {
        var scope = new AttributionScope(s_current.Value, userId, route, metadata);
        s_current.Value = scope;
        return scope;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (ReferenceEquals(s_current.Value, this))
        {
            s_current.Value = _parent;
        }
    }

    /// <summary>
    /// Makes this scope current again until the returned scope is disposed. An async iterator resumes in its
    /// consumer's flow, so a hook that attributes a stream re-enters its scope around each step of it.
    /// </summary>
    public Reentry Enter()
    {
        var previous = s_current.Value;
        s_current.Value = this;
        return new Reentry(previous);
    }

    /// <summary>Restores the scope that was current before <see cref="Enter"/>.</summary>
    internal readonly struct Reentry(AttributionScope? previous) : IDisposable
    {
        public void Dispose() => s_current.Value = previous;
    }

    /// <summary>Merges <paramref name="over"/> over <paramref name="under"/>; allocates only when both have entries.</summary>
    internal static IReadOnlyDictionary<string, string>? Merge(IReadOnlyDictionary<string, string>? under, IReadOnlyDictionary<string, string>? over)
    {
        if (under is null || under.Count == 0)
        {
            return over is { Count: > 0 } ? over : null;
        }

        if (over is null || over.Count == 0)
        {
            return under;
        }

        var merged = new Dictionary<string, string>(under, StringComparer.Ordinal);
        foreach (var (key, value) in over)
        {
            merged[key] = value;
        }

        return merged;
    }
}

/// <summary>Resolved attribution of one call.</summary>
internal readonly record struct Attribution(string? UserId, string? Route, IReadOnlyDictionary<string, string>? Metadata)
{
    public static Attribution Resolve(HttpRequestMessage? request, string? userId = null, string? route = null, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var scope = AttributionScope.Current;
        string? reqUser = null, reqRoute = null;
        IReadOnlyDictionary<string, string>? reqMetadata = null;
        if (request is not null && ExistingRequestOptions.Of(request) is { } options)
        {
            options.TryGetValue(LensAIRequestOptions.UserId, out reqUser);
            options.TryGetValue(LensAIRequestOptions.Route, out reqRoute);
            options.TryGetValue(LensAIRequestOptions.Metadata, out reqMetadata);
        }

        return new Attribution(
            userId ?? reqUser ?? scope?.UserId,
            route ?? reqRoute ?? scope?.Route,
            AttributionScope.Merge(AttributionScope.Merge(scope?.Metadata, reqMetadata), metadata));
    }
}

/// <summary>Reads a request's options without creating them (most requests have none: no dictionary per call).</summary>
internal static class ExistingRequestOptions
{
    private static volatile bool s_unavailable;

    /// <summary>The request's options if anything ever created them, else <see langword="null"/>.</summary>
    public static HttpRequestOptions? Of(HttpRequestMessage request)
    {
        if (!s_unavailable)
        {
            try
            {
                return OptionsField(request);
            }
            catch (MissingFieldException)
            {
                s_unavailable = true; // a runtime whose HttpRequestMessage keeps them elsewhere: ask for them
            }
        }

        return request.Options;
    }

    [System.Runtime.CompilerServices.UnsafeAccessor(System.Runtime.CompilerServices.UnsafeAccessorKind.Field, Name = "_options")]
    private static extern ref HttpRequestOptions? OptionsField(HttpRequestMessage request);
}
