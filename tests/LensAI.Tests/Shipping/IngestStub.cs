using System.Collections.Concurrent;
using System.IO.Compression;
using System.Text.Json;
using LensAI.Testing;
using Microsoft.AspNetCore.Http;

namespace LensAI.Tests.Shipping;

/// <summary>
/// A real HTTP server on loopback that speaks the ingest contract: checks the bearer key, gunzips the body,
/// stores each event once by event_id (like the backend) and answers what the test scripted.
/// </summary>
internal sealed class IngestStub : IAsyncDisposable
{
    private readonly LoopbackServer _server;
    private readonly ConcurrentQueue<Func<HttpContext, Task<bool>>> _script = new();

    private IngestStub(LoopbackServer server) => _server = server;

    public Uri Endpoint => _server.BaseAddress;

    public ConcurrentDictionary<string, JsonElement> Stored { get; } = new();

    public ConcurrentQueue<int> BatchSizes { get; } = new();

    public int Requests => _requests;

    public int Duplicates => _duplicates;

    public string? LastAuthorization { get; private set; }

    public string? LastContentEncoding { get; private set; }

    private int _requests;
    private int _duplicates;
    private int _statusPolls;

    /// <summary>Budget status polls the SDK made (kept out of <see cref="Requests"/>).</summary>
    public int StatusPolls => _statusPolls;

    public Func<HttpContext, Task>? Gate { get; set; }

    public static async Task<IngestStub> StartAsync()
    {
        IngestStub? stub = null;
        var server = await LoopbackServer.StartAsync(ctx => stub!.HandleAsync(ctx));
        stub = new IngestStub(server);
        return stub;
    }

    /// <summary>Answers the next request with <paramref name="status"/> (and optional headers/body) without storing it.</summary>
    public void ThenRespond(int status, string? body = null, string? retryAfter = null)
        => _script.Enqueue(async ctx =>
        {
            ctx.Response.StatusCode = status;
            if (retryAfter is not null)
            {
                ctx.Response.Headers.RetryAfter = retryAfter;
            }

            if (body is not null)
            {
                ctx.Response.ContentType = "application/problem+json";
                await ctx.Response.WriteAsync(body);
            }

            return true;
        });

    /// <summary>Stores the next batch, then answers 503 (a lost acknowledgement: the SDK will re-send it).</summary>
    public void ThenStoreButFail()
        => _script.Enqueue(async ctx =>
        {
            await StoreAsync(ctx);
            ctx.Response.StatusCode = 503;
            return true;
        });

    private async Task HandleAsync(HttpContext ctx)
    {
        if (ctx.Request.Path == "/v1/budgets/status")
        {
            // The SDK's budget poll (not part of ingest): a backend with no budgets answers an empty status.
            Interlocked.Increment(ref _statusPolls);
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync("""{"project_id":"p","generated_at":"2026-11-21T12:00:00Z","budgets":[]}""");
            return;
        }

        Interlocked.Increment(ref _requests);
        LastAuthorization = ctx.Request.Headers.Authorization;
        LastContentEncoding = ctx.Request.Headers.ContentEncoding;
        if (Gate is { } gate)
        {
            await gate(ctx);
            if (ctx.Response.HasStarted)
            {
                return; // the gate answered
            }
        }

        if (ctx.Request.Path != "/v1/events" || ctx.Request.Method != "POST")
        {
            ctx.Response.StatusCode = 404;
            return;
        }

        if (_script.TryDequeue(out var step) && await step(ctx))
        {
            return;
        }

        var (accepted, _) = await StoreAsync(ctx);
        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync($$"""{"accepted":{{accepted}},"rejected":[]}""");
    }

    private async Task<(int Accepted, int Duplicates)> StoreAsync(HttpContext ctx)
    {
        using var gzip = new GZipStream(ctx.Request.Body, CompressionMode.Decompress);
        using var doc = await JsonDocument.ParseAsync(gzip);
        var events = doc.RootElement.GetProperty("events");
        BatchSizes.Enqueue(events.GetArrayLength());
        var accepted = 0;
        foreach (var e in events.EnumerateArray())
        {
            if (Stored.TryAdd(e.GetProperty("event_id").GetString()!, e.Clone()))
            {
                accepted++;
            }
            else
            {
                Interlocked.Increment(ref _duplicates);
            }
        }

        return (accepted, events.GetArrayLength() - accepted);
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
