using LensAI.Backend.Dashboard;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace LensAI.Backend.Http;

/// <summary>
/// <c>GET /dashboard/</c>: the web dashboard (cost over time by model, top users and routes, latency, budget gauges,
/// unpriced calls). The page and its files are public and hold no data; the page asks for the project API key and
/// sends it as a Bearer token to <c>GET /v1/report</c>, which is where the key is checked. See docs/dashboard.md.
/// </summary>
public static class DashboardEndpoints
{
    /// <summary>The path the dashboard is served under.</summary>
    public const string Path = "/dashboard";

    /// <summary>Maps <c>GET|HEAD /dashboard/{**path}</c>; <c>/dashboard</c> redirects to <c>/dashboard/</c>.</summary>
    public static IEndpointRouteBuilder MapLensAIDashboard(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var assets = DashboardAssets.Default; // loaded now: a build without the embedded files fails at start-up, not on first view
        app.MapMethods(Path + "/{**path}", [HttpMethods.Get, HttpMethods.Head], (HttpContext http, string? path) =>
        {
            var request = http.Request;
            if (string.IsNullOrEmpty(path) && !request.Path.Value!.EndsWith('/'))
            {
                // Relative URLs in the page (dashboard.js, ../v1/report) resolve against the trailing slash.
                http.Response.Headers.CacheControl = "no-cache";
                return Results.Redirect(request.PathBase + request.Path + "/" + request.QueryString, permanent: true);
            }

            return new AssetResult(assets, path);
        }).ExcludeFromDescription();
        return app;
    }

    private sealed class AssetResult(DashboardAssets assets, string? path) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext) => assets.ServeAsync(httpContext, path);
    }
}
