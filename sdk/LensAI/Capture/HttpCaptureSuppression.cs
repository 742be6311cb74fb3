namespace LensAI.Capture;

/// <summary>
/// Marks an async flow in which a higher-level LensAI hook (the OpenAI pipeline policy) already captures the call,
/// so the HttpClient handler beneath it passes the request through: one call, one event.
/// </summary>
internal static class HttpCaptureSuppression
{
    private static readonly AsyncLocal<bool> s_active = new();

    public static bool IsActive => s_active.Value;

    /// <summary>Suppresses HttpClient capture until the returned scope is disposed.</summary>
    public static Scope Begin()
    {
        var previous = s_active.Value;
        s_active.Value = true;
        return new Scope(previous);
    }

    internal readonly struct Scope(bool previous) : IDisposable
    {
        public void Dispose() => s_active.Value = previous;
    }
}
