using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace LensAI.Samples;

/// <summary>
/// A local OpenAI-compatible server on 127.0.0.1 that answers with real recorded OpenAI responses (REPLAY, not live).
/// The samples use it when OPENAI_API_KEY is not set, so they run anywhere without spending money. It answers every
/// request the same way whatever the prompt: the recordings' usage (and so their cost) is what LensAI sees.
/// </summary>
public sealed class ReplayServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReplayedRequest> _requests = new();

    private ReplayServer(WebApplication app)
    {
        _app = app;
        BaseUrl = new Uri(app.Urls.First().TrimEnd('/') + "/v1");
    }

    /// <summary>The OpenAI-style base URL, ending in <c>/v1</c>.</summary>
    public Uri BaseUrl { get; }

    /// <summary>The requests answered so far, in order (what reached the "provider").</summary>
    public IReadOnlyList<ReplayedRequest> Requests => _requests.ToArray();

    /// <summary>Starts the server over the recordings copied next to the sample (<c>replay/</c> in its output folder).</summary>
    public static Task<ReplayServer> StartAsync() => StartAsync(Path.Combine(AppContext.BaseDirectory, "replay"));

    /// <summary>Starts the server over the recordings in <paramref name="fixtures"/>.</summary>
    public static async Task<ReplayServer> StartAsync(string fixtures)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(System.Net.IPAddress.Loopback, 0));
        var app = builder.Build();
        ReplayServer? server = null;
        app.MapPost("/v1/chat/completions", async (HttpContext ctx) =>
        {
            using var request = await JsonDocument.ParseAsync(ctx.Request.Body, cancellationToken: ctx.RequestAborted);
            var model = request.RootElement.TryGetProperty("model", out var m) ? m.GetString() : null;
            var stream = request.RootElement.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
            var file = (model, stream) switch
            {
                (_, true) => "chat-stream-include-usage.sse",
                ("o3-mini", _) => "chat-completion-reasoning.json",
                ("gpt-5.6-sol", _) => "chat-completion-cached-tokens.json",
                _ => "chat-completion-basic.json",
            };
            server!._requests.Enqueue(new ReplayedRequest("/v1/chat/completions", model, stream, file));
            await Serve(ctx, Path.Combine(fixtures, file), stream ? "text/event-stream" : "application/json");
        });
        app.MapPost("/v1/embeddings", (HttpContext ctx) =>
        {
            server!._requests.Enqueue(new ReplayedRequest("/v1/embeddings", null, false, "embeddings-multiple.json"));
            return Serve(ctx, Path.Combine(fixtures, "embeddings-multiple.json"), "application/json");
        });
        app.MapPost("/v1/responses", (HttpContext ctx) =>
        {
            server!._requests.Enqueue(new ReplayedRequest("/v1/responses", null, false, "responses-cached-reasoning-websearch.json"));
            return Serve(ctx, Path.Combine(fixtures, "responses-cached-reasoning-websearch.json"), "application/json");
        });
        await app.StartAsync();
        server = new ReplayServer(app);
        return server;
    }

    private static async Task Serve(HttpContext ctx, string path, string contentType)
    {
        ctx.Response.ContentType = contentType;
        ctx.Response.Headers["x-lensai-replay"] = Path.GetFileName(path);
        await ctx.Response.SendFileAsync(path);
    }

    /// <summary>Stops the server.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>One request the replay server answered: its path, the model and streaming flag it asked for, and the recording served.</summary>
public sealed record ReplayedRequest(string Path, string? Model, bool Stream, string Recording);
