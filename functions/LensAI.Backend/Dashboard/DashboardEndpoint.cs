using LensAI.Backend.Dashboard;
using Microsoft.AspNetCore.Http;

namespace LensAI.Backend.Http;

/// <summary>
/// <c>GET|HEAD /dashboard/</c>: the web dashboard (cost over time by model, top users and routes, latency, budget gauges,
/// unpriced calls). The page and its files are public and hold no data; the page asks for the project API key and
/// sends it as a Bearer token to <c>GET /v1/report</c>, which is where the key is checked. See docs/dashboard.md.
/// </summary>
internal sealed class DashboardEndpoint
{
    /// <summary>The path the dashboard is served under.</summary>
    public const string Path = "/dashboard";

    // Loaded when the endpoint is created (at start-up): a build without the embedded files fails then, not on first view.
    private readonly DashboardAssets _assets = DashboardAssets.Default;

    /// <summary>
    /// Serves the file named by the request path below <see cref="Path"/> (the page for <c>/dashboard/</c>);
    /// <c>/dashboard</c> redirects to <c>/dashboard/</c>. The file is taken from the path itself, not from route values,
    /// so every host serves the same answer.
    /// </summary>
    public IResult Get(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var request = http.Request;
        if (RequestBody.RefuseAnyBody(request) is { } refused)
        {
            return refused;
        }
        if (!request.Path.StartsWithSegments(Path, StringComparison.OrdinalIgnoreCase, out var rest))
        {
            return Results.NotFound();
        }

        if (!rest.HasValue)
        {
            // Relative URLs in the page (dashboard.js, ../v1/report) resolve against the trailing slash.
            http.Response.Headers.CacheControl = "no-cache";
            return Results.Redirect(request.PathBase + request.Path + "/" + request.QueryString, permanent: true);
        }

        return new AssetResult(_assets, rest.Value![1..]);
    }

    private sealed class AssetResult(DashboardAssets assets, string path) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext) => assets.ServeAsync(httpContext, path);
    }
}
