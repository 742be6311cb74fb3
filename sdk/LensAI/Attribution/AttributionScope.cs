namespace LensAI;

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
