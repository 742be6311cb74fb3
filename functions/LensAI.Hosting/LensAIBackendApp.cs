using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace LensAI.Hosting;

/// <summary>
/// The backend as an ASP.NET Core app: the embedded default (<see cref="DefaultUrl"/>, a local folder, DuckDB in
/// process, the in-process scheduler) and the container image. The server executable runs it; the <c>lensai</c> CLI,
/// the samples and the tests build the very same app in process.
/// </summary>
public static class LensAIBackendApp
{
    /// <summary>The default address of the embedded default.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5080";

    /// <summary>
    /// Builds the app from <paramref name="args"/> (ASP.NET Core's: <c>--urls</c>, <c>--LensAI:Backend:…</c> values)
    /// over appsettings.json and <c>LensAI__…</c> environment variables. <paramref name="configure"/> runs before the
    /// backend registers its services, so what it registers (a store, an alert dispatcher, a clock) wins. The app
    /// listens on <see cref="DefaultUrl"/> unless told otherwise; it validates its options when it starts.
    /// </summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("ASPNETCORE_URLS")))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        configure?.Invoke(builder);
        builder.Services.AddLensAIBackend(builder.Configuration).AddLensAIJobScheduler();
        var app = builder.Build();
        app.MapLensAIApi();
        return app;
    }
}
