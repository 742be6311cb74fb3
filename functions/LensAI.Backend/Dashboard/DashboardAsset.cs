namespace LensAI.Backend.Dashboard;

/// <summary>One static file of the dashboard, ready to serve (and its gzip form when that is smaller).</summary>
internal sealed record DashboardAsset(string Path, byte[] Content, byte[]? Gzip, string ContentType, string Version)
{
    public string ETag { get; } = "\"" + Version + "\"";
}
