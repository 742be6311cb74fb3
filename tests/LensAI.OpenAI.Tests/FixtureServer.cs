using System.Collections.Concurrent;
using LensAI.Testing;
using Microsoft.AspNetCore.Http;

namespace LensAI.OpenAI.Tests;

/// <summary>
/// A real Kestrel server on loopback that answers the OpenAI SDK with recorded fixtures: queued answers first, then
/// <see cref="Default"/>. Records every request it receives (path and body).
/// </summary>
internal sealed class FixtureServer : IAsyncDisposable
{
    private readonly ConcurrentQueue<RequestDelegate> _queued = new();
    private LoopbackServer _server = null!;

    private FixtureServer()
    {
    }

    public ConcurrentQueue<(string Path, string Body)> Requests { get; } = new();

    public RequestDelegate Default { get; set; } = ctx =>
    {
        ctx.Response.StatusCode = 500;
        return Task.CompletedTask;
    };

    /// <summary>The OpenAI API base of this server (<c>http://127.0.0.1:port/v1</c>), as <c>OpenAIClientOptions.Endpoint</c>.</summary>
    public Uri V1 => new(_server.BaseAddress, "v1");

    public static async Task<FixtureServer> StartAsync()
    {
        var fixture = new FixtureServer();
        fixture._server = await LoopbackServer.StartAsync(fixture.HandleAsync);
        return fixture;
    }

    /// <summary>Answers every request with <paramref name="file"/>.</summary>
    public FixtureServer Serve(string file, int status = 200, IReadOnlyDictionary<string, string>? headers = null)
    {
        Default = Fixture(file, status, headers);
        return this;
    }

    /// <summary>Answers the next request with <paramref name="answer"/> (before falling back to <see cref="Default"/>).</summary>
    public FixtureServer Then(RequestDelegate answer)
    {
        _queued.Enqueue(answer);
        return this;
    }

    public static RequestDelegate Fixture(string file, int status = 200, IReadOnlyDictionary<string, string>? headers = null)
    {
        var body = Fixtures.Bytes(file);
        var contentType = file.EndsWith(".sse", StringComparison.Ordinal) ? "text/event-stream" : "application/json";
        return async ctx =>
        {
            ctx.Response.StatusCode = status;
            ctx.Response.ContentType = contentType;
            foreach (var (name, value) in headers ?? new Dictionary<string, string>())
            {
                ctx.Response.Headers[name] = value;
            }

            await ctx.Response.Body.WriteAsync(body);
        };
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        using var reader = new StreamReader(ctx.Request.Body);
        Requests.Enqueue((ctx.Request.Path.Value ?? "", await reader.ReadToEndAsync()));
        var answer = _queued.TryDequeue(out var next) ? next : Default;
        await answer(ctx);
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
