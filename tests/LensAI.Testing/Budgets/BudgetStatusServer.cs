using System.Collections.Concurrent;
using System.Text.Json;
using LensAI.Budgets;
using LensAI.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

// Shared by the SDK test projects (LensAI.Testing sees the SDK's internals for the client's clock and budget poll).
namespace LensAI.Tests.Budgets;

/// <summary>
/// A real Kestrel backend on loopback for the budget guard: serves <c>GET /v1/budgets/status</c> with an ETag and
/// answers <c>If-None-Match</c> with 304, accepts <c>POST /v1/events</c>, and records every status request.
/// </summary>
internal sealed class BudgetStatusServer : IAsyncDisposable
{
    private readonly object _gate = new();
    private LoopbackServer _server = null!;
    private byte[]? _body;
    private string? _etag;
    private int _version;

    private BudgetStatusServer()
    {
    }

    public Uri Endpoint => _server.BaseAddress;

    /// <summary>Every status request: its <c>If-None-Match</c> and <c>Authorization</c> headers, and the status answered.</summary>
    public ConcurrentQueue<(string? IfNoneMatch, string? Authorization, int Status)> StatusRequests { get; } = new();

    /// <summary>When set, status requests get this status code (e.g. 503) instead of the document.</summary>
    public int? FailWith { get; set; }

    /// <summary>When set, status requests get this body (malformed JSON) with a fresh ETag.</summary>
    public string? Garbage { get; set; }

    public string? ETag
    {
        get
        {
            lock (_gate)
            {
                return _etag;
            }
        }
    }

    public static async Task<BudgetStatusServer> StartAsync(BudgetStatusDocument? document = null)
    {
        var server = new BudgetStatusServer();
        if (document is not null)
        {
            server.Serve(document);
        }

        server._server = await LoopbackServer.StartAsync(server.HandleAsync);
        return server;
    }

    /// <summary>Serves <paramref name="document"/> from now on, under a new ETag.</summary>
    public void Serve(BudgetStatusDocument document)
    {
        lock (_gate)
        {
            _body = JsonSerializer.SerializeToUtf8Bytes(document, BudgetStatusJsonContext.Default.BudgetStatusDocument);
            _etag = $"\"v{++_version}\"";
        }
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        if (ctx.Request.Path.Value?.EndsWith("/v1/events", StringComparison.Ordinal) == true)
        {
            await ctx.Request.Body.CopyToAsync(Stream.Null);
            ctx.Response.StatusCode = 200;
            return;
        }

        if (ctx.Request.Path.Value?.EndsWith("/v1/budgets/status", StringComparison.Ordinal) != true || ctx.Request.Method != "GET")
        {
            ctx.Response.StatusCode = 404;
            return;
        }

        var ifNoneMatch = ctx.Request.Headers.IfNoneMatch.ToString();
        var authorization = ctx.Request.Headers.Authorization.ToString();
        byte[]? body;
        string? etag;
        lock (_gate)
        {
            body = _body;
            etag = _etag;
        }

        // Recorded before answering, so a test that awaited the poll sees it.
        var garbage = Garbage;
        var status = FailWith ?? (garbage is not null ? 200 : body is null ? 404 : ifNoneMatch.Length > 0 && ifNoneMatch == etag ? 304 : 200);
        StatusRequests.Enqueue((ifNoneMatch.Length == 0 ? null : ifNoneMatch, authorization.Length == 0 ? null : authorization, status));
        ctx.Response.StatusCode = status;
        if (FailWith is not null || status == 404)
        {
            return;
        }

        if (garbage is not null)
        {
            ctx.Response.ContentType = "application/json";
            ctx.Response.Headers.ETag = "\"garbage\"";
            await ctx.Response.WriteAsync(garbage);
            return;
        }

        ctx.Response.Headers.ETag = etag;
        if (status == 200)
        {
            ctx.Response.ContentType = "application/json";
            await ctx.Response.Body.WriteAsync(body!);
        }
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}

/// <summary>Builds status documents for a test clock (default: the fake clock's start, a daily period ending at midnight UTC).</summary>
internal static class StatusDocs
{
    public static readonly DateTimeOffset Now = new FakeTimeProvider().GetUtcNow();

    public static BudgetStatusDocument Doc(params BudgetScopeStatus[] budgets) => Doc(Now, budgets);

    public static BudgetStatusDocument Doc(DateTimeOffset generatedAt, params BudgetScopeStatus[] budgets)
        => new() { ProjectId = "p-test", GeneratedAt = generatedAt, Budgets = budgets };

    public static BudgetScopeStatus Budget(
        string id = "b-1",
        string scope = "project",
        string? value = null,
        decimal limit = 1m,
        decimal spent = 0m,
        string action = "block",
        bool blocked = false,
        string? reason = null,
        DateTimeOffset? overrideUntil = null,
        DateTimeOffset? periodEnd = null)
    {
        var start = new DateTimeOffset(Now.UtcDateTime.Date, TimeSpan.Zero);
        return new BudgetScopeStatus
        {
            BudgetId = id,
            Scope = scope,
            ScopeValue = value,
            Period = "daily",
            PeriodStart = start,
            PeriodEnd = periodEnd ?? start.AddDays(1),
            LimitUsd = limit,
            SpentUsd = spent,
            Action = action,
            Blocked = blocked,
            Reason = reason,
            OverrideUntil = overrideUntil,
        };
    }
}

/// <summary>
/// A LensAI client whose endpoint is a <see cref="BudgetStatusServer"/>: fake time, no spool, every recorded event
/// collected, log entries kept. <see cref="StartAsync"/> returns after the first budget poll.
/// </summary>
internal sealed class BudgetLens : IAsyncDisposable
{
    private BudgetLens(BudgetStatusServer server, LensAIClient lens, FakeTimeProvider time, ListLoggerFactory logs)
    {
        Server = server;
        Lens = lens;
        Time = time;
        Logs = logs;
        Lens.Engine.Recorded = e => Events.Enqueue(e);
    }

    public BudgetStatusServer Server { get; }

    public LensAIClient Lens { get; }

    public BudgetGuard Guard => Lens.Budgets!;

    public FakeTimeProvider Time { get; }

    public ListLoggerFactory Logs { get; }

    public ConcurrentQueue<UsageEvent> Events { get; } = new();

    public static async Task<BudgetLens> StartAsync(BudgetStatusDocument? document, Action<LensAIOptions>? configure = null)
    {
        var server = await BudgetStatusServer.StartAsync(document);
        var options = new LensAIOptions { Endpoint = server.Endpoint, ApiKey = "lsk_test_budget", EnableSpool = false };
        configure?.Invoke(options);
        var time = new FakeTimeProvider();
        var logs = new ListLoggerFactory();
        var lens = new LensAIClient(options, logs, time);
        var test = new BudgetLens(server, lens, time, logs);
        if (lens.BudgetPoller is { } poller)
        {
            await poller.CurrentPoll;
        }

        return test;
    }

    /// <summary>Advances the fake clock and waits for the poll it started (if any) to finish.</summary>
    public async Task AdvanceAsync(TimeSpan by)
    {
        Time.Advance(by);
        await Lens.BudgetPoller!.CurrentPoll;
    }

    public async ValueTask DisposeAsync()
    {
        await Lens.DisposeAsync();
        await Server.DisposeAsync();
    }
}

/// <summary>Keeps every log entry (level, event id, message).</summary>
internal sealed class ListLoggerFactory : ILoggerFactory, ILogger
{
    public ConcurrentQueue<(LogLevel Level, int EventId, string Message)> Entries { get; } = new();

    public int Count(int eventId) => Entries.Count(e => e.EventId == eventId);

    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        => Entries.Enqueue((logLevel, eventId.Id, formatter(state, exception)));

    public void Dispose()
    {
    }
}
