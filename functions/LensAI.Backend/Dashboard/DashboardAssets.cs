using System.Collections.Frozen;
using System.IO.Compression;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace LensAI.Backend.Dashboard;

/// <summary>
/// The dashboard's static files, embedded in this assembly under <c>LensAI.Dashboard/&lt;path&gt;</c> by
/// <c>Dashboard/ChartJs.targets</c> (the page, its script and style, and the Chart.js file fetched from npm at build
/// time). Loaded once: each file gets a content hash; <c>index.html</c>'s references to the other files carry that hash
/// (<c>dashboard.js?v=…</c>) so they can be cached for a year while the page itself is revalidated on every load.
/// </summary>
internal sealed class DashboardAssets
{
    public const string ResourcePrefix = "LensAI.Dashboard/";
    public const string IndexPath = "index.html";

    /// <summary>What the page may load: its own files, and <c>/v1/report</c> on the same origin.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private const string Immutable = "public, max-age=31536000, immutable";
    private const string Revalidate = "no-cache";

    private static readonly Lazy<DashboardAssets> s_default = new(() => Load(typeof(DashboardAssets).Assembly));

    private readonly FrozenDictionary<string, DashboardAsset> _assets;

    private DashboardAssets(FrozenDictionary<string, DashboardAsset> assets) => _assets = assets;

    public static DashboardAssets Default => s_default.Value;

    public IEnumerable<DashboardAsset> All => _assets.Values;

    public bool TryGet(string path, out DashboardAsset asset) => _assets.TryGetValue(path, out asset!);

    public static DashboardAssets Load(Assembly assembly)
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames())
        {
            if (!name.StartsWith(ResourcePrefix, StringComparison.Ordinal))
            {
                continue;
            }

            using var stream = assembly.GetManifestResourceStream(name)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            files[name[ResourcePrefix.Length..].Replace('\\', '/')] = buffer.ToArray();
        }

        if (!files.TryGetValue(IndexPath, out var index) || !files.ContainsKey("vendor/chart.umd.js"))
        {
            throw new InvalidOperationException($"The dashboard's files are not embedded in {assembly.GetName().Name} (expected {ResourcePrefix}{IndexPath} and {ResourcePrefix}vendor/chart.umd.js; see Dashboard/ChartJs.targets).");
        }

        var assets = new Dictionary<string, DashboardAsset>(StringComparer.Ordinal);
        foreach (var (path, content) in files.Where(f => f.Key != IndexPath))
        {
            assets[path] = Create(path, content);
        }

        // Fingerprint the page's references to its own files: src="dashboard.js" becomes src="dashboard.js?v=<hash>".
        var html = Encoding.UTF8.GetString(index);
        foreach (var asset in assets.Values)
        {
            foreach (var attribute in (string[])["src", "href"])
            {
                html = html.Replace($"{attribute}=\"{asset.Path}\"", $"{attribute}=\"{asset.Path}?v={asset.Version}\"", StringComparison.Ordinal);
            }
        }

        assets[IndexPath] = Create(IndexPath, Encoding.UTF8.GetBytes(html));
        return new DashboardAssets(assets.ToFrozenDictionary(StringComparer.Ordinal));
    }

    /// <summary>Writes the file at <paramref name="path"/> (empty = the page), or a 404.</summary>
    public Task ServeAsync(HttpContext http, string? path)
    {
        var response = http.Response;
        if (string.IsNullOrEmpty(path))
        {
            path = IndexPath;
        }

        if (!_assets.TryGetValue(path, out var asset))
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            response.ContentType = "text/plain; charset=utf-8";
            response.Headers.CacheControl = Revalidate;
            return HttpMethods.IsHead(http.Request.Method) ? Task.CompletedTask : response.WriteAsync($"No dashboard file '{path}'.", http.RequestAborted);
        }

        var headers = response.Headers;
        headers.ContentType = asset.ContentType;
        headers.ETag = asset.ETag;
        headers.XContentTypeOptions = "nosniff";
        headers.Vary = HeaderNames.AcceptEncoding;
        var versioned = asset.Path != IndexPath && http.Request.Query["v"] == asset.Version;
        headers.CacheControl = versioned ? Immutable : Revalidate;
        if (asset.Path == IndexPath)
        {
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers["Referrer-Policy"] = "no-referrer";
            headers.XFrameOptions = "DENY";
        }

        if (http.Request.Headers.IfNoneMatch.Any(v => v is not null && (v == "*" || v.Split(',').Any(t => t.Trim().TrimStart('W', '/') == asset.ETag))))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }

        var body = asset.Content;
        if (asset.Gzip is { } gzip && AcceptsGzip(http.Request))
        {
            headers.ContentEncoding = "gzip";
            body = gzip;
        }

        response.ContentLength = body.Length;
        return HttpMethods.IsHead(http.Request.Method) ? Task.CompletedTask : response.Body.WriteAsync(body, http.RequestAborted).AsTask();
    }

    private static bool AcceptsGzip(HttpRequest request)
        => StringWithQualityHeaderValue.TryParseList(request.Headers.AcceptEncoding, out var accepted)
           && accepted.Any(e => e.Value.Equals("gzip", StringComparison.OrdinalIgnoreCase) && e.Quality is not 0);

    private static DashboardAsset Create(string path, byte[] content)
    {
        var type = ContentTypeOf(path);
        byte[]? gzip = null;
        if (type.StartsWith("text/", StringComparison.Ordinal) || type.StartsWith("image/svg", StringComparison.Ordinal))
        {
            using var buffer = new MemoryStream();
            using (var zip = new GZipStream(buffer, CompressionLevel.SmallestSize, leaveOpen: true))
            {
                zip.Write(content);
            }

            gzip = buffer.Length < content.Length * 0.9 ? buffer.ToArray() : null;
        }

        return new DashboardAsset(path, content, gzip, type, Convert.ToHexStringLower(SHA256.HashData(content))[..16]);
    }

    internal static string ContentTypeOf(string path) => Path.GetExtension(path).ToUpperInvariant() switch
    {
        ".HTML" => "text/html; charset=utf-8",
        ".JS" => "text/javascript; charset=utf-8",
        ".CSS" => "text/css; charset=utf-8",
        ".SVG" => "image/svg+xml",
        ".PNG" => "image/png",
        ".JSON" => "application/json; charset=utf-8",
        ".MD" or ".TXT" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    };
}
