using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using System.Text.Json;

namespace Quickstart;

/// <summary>
/// A local OpenAI-compatible server on 127.0.0.1 that answers with real recorded OpenAI responses (REPLAY, not live).
/// Used when OPENAI_API_KEY is not set, so the quickstart runs anywhere without spending money.
/// </summary>
internal sealed class ReplayServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ReplayServer(WebApplication app, Uri baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    /// <summary>The OpenAI-style base URL, ending in <c>/v1</c>.</summary>
    public Uri BaseUrl { get; }

    public static async Task<ReplayServer> StartAsync(string fixtures)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(System.Net.IPAddress.Loopback, 0));
        var app = builder.Build();
        app.MapPost("/v1/chat/completions", async (HttpContext ctx) =>
        {
            using var request = await JsonDocument.ParseAsync(ctx.Request.Body);
            var model = request.RootElement.TryGetProperty("model", out var m) ? m.GetString() : null;
            var stream = request.RootElement.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
            var file = (model, stream) switch
            {
                (_, true) => "chat-stream-include-usage.sse",
                ("o3-mini", _) => "chat-completion-reasoning.json",
                ("gpt-5.6-sol", _) => "chat-completion-cached-tokens.json",
                _ => "chat-completion-basic.json",
            };
            await Serve(ctx, Path.Combine(fixtures, file), stream ? "text/event-stream" : "application/json");
        });
        app.MapPost("/v1/embeddings", (HttpContext ctx) => Serve(ctx, Path.Combine(fixtures, "embeddings-multiple.json"), "application/json"));
        app.MapPost("/v1/responses", (HttpContext ctx) => Serve(ctx, Path.Combine(fixtures, "responses-cached-reasoning-websearch.json"), "application/json"));
        await app.StartAsync();
        return new ReplayServer(app, new Uri(app.Urls.First().TrimEnd('/') + "/v1"));
    }

    private static async Task Serve(HttpContext ctx, string path, string contentType)
    {
        ctx.Response.ContentType = contentType;
        ctx.Response.Headers["x-lensai-replay"] = Path.GetFileName(path);
        await ctx.Response.SendFileAsync(path);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
