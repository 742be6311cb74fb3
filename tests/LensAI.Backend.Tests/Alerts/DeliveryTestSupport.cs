using System.Collections.Concurrent;
using LensAI.Backend.Alerts;
using LensAI.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace LensAI.Backend.Tests.Alerts;

/// <summary>One request a <see cref="RecordingServer"/> received, with the (fake) time it arrived.</summary>
internal sealed record RecordedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body, DateTimeOffset ArrivedAt)
{
    public string BodyText => System.Text.Encoding.UTF8.GetString(Body);

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>A real Kestrel server on loopback that records every request and answers through a script.</summary>
internal sealed class RecordingServer : IAsyncDisposable
{
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private LoopbackServer? _server;

    public Uri BaseAddress => _server!.BaseAddress;

    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    public int Count => _requests.Count;

    /// <summary>Starts a server; <paramref name="respond"/> gets the recorded request and its 0-based index.</summary>
    public static async Task<RecordingServer> StartAsync(Func<HttpContext, RecordedRequest, int, Task> respond, TimeProvider? clock = null)
    {
        var server = new RecordingServer();
        var counter = -1;
        server._server = await LoopbackServer.StartAsync(async context =>
        {
            var index = Interlocked.Increment(ref counter);
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            var recorded = new RecordedRequest(context.Request.Method, context.Request.Path.Value ?? string.Empty, headers, buffer.ToArray(),
                (clock ?? TimeProvider.System).GetUtcNow());
            server._requests.Enqueue(recorded);
            await respond(context, recorded, index);
        });
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

/// <summary>Shared helpers for the delivery tests (Slack, webhook, Stripe).</summary>
internal static class DeliveryTestSupport
{
    public static readonly DateTimeOffset PeriodStart = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset PeriodEnd = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset ProjectedExceedAt = new(2026, 11, 24, 15, 0, 0, TimeSpan.Zero);

    /// <summary>A 75 % threshold alert on a blocking per-user budget, with drivers, a forecast and unpriced calls.</summary>
    public static BudgetAlert SampleAlert(string action = BudgetAlert.ActionBlock, BudgetAlertKind kind = BudgetAlertKind.Threshold) => new()
    {
        AlertId = BudgetAlert.CreateId("acme", "b-users", PeriodStart, kind, kind == BudgetAlertKind.Threshold ? 75 : null),
        Project = "acme",
        BudgetId = "b-users",
        Scope = new BudgetScope("user", "alice"),
        Period = "monthly",
        PeriodStart = PeriodStart,
        PeriodEnd = PeriodEnd,
        Kind = kind,
        ThresholdPercent = kind == BudgetAlertKind.Threshold ? 75 : null,
        SpentUsd = 75.5m,
        LimitUsd = 100m,
        Percent = 75.5m,
        ForecastUsd = 131.25m,
        ProjectedExceedAt = ProjectedExceedAt,
        TopModels = [new CostShare("gpt-4o-2024-08-06", 50.25m), new CostShare("gpt-4o-mini", 25.25m)],
        TopUsers = [new CostShare("alice", 75.5m)],
        UnpricedCalls = 3,
        UnpricedModels = ["my-finetune-v2"],
        Action = action,
        Blocked = false,
    };

    /// <summary>Retry options for real-clock tests: tiny delays, pinned jitter.</summary>
    public static DeliveryRetryOptions FastRetry(int maxAttempts = 3) => new()
    {
        MaxAttempts = maxAttempts,
        BaseDelay = TimeSpan.FromMilliseconds(1),
        MaxDelay = TimeSpan.FromMilliseconds(5),
        MaxRetryAfter = TimeSpan.FromSeconds(5),
        AttemptTimeout = TimeSpan.FromSeconds(10),
        TotalTimeout = TimeSpan.FromSeconds(30),
        Randomizer = () => 1,
    };

    /// <summary>
    /// Retry options for fake-clock tests: timeouts far beyond the fake time <see cref="DriveAsync{T}"/> moves, so only
    /// the retry delays matter.
    /// </summary>
    public static DeliveryRetryOptions FakeClockRetry(int maxAttempts = 3) => new()
    {
        MaxAttempts = maxAttempts,
        BaseDelay = TimeSpan.FromSeconds(1),
        MaxDelay = TimeSpan.FromSeconds(10),
        MaxRetryAfter = TimeSpan.FromMinutes(1),
        AttemptTimeout = TimeSpan.FromHours(1),
        TotalTimeout = TimeSpan.FromHours(2),
        Randomizer = () => 1,
    };

    /// <summary>Moves the fake clock in small steps until <paramref name="task"/> completes (no real sleeps beyond polling).</summary>
    public static async Task<T> DriveAsync<T>(Task<T> task, FakeTimeProvider time, TimeSpan? step = null)
    {
        await Eventually.TrueAsync(() =>
        {
            if (task.IsCompleted)
            {
                return true;
            }

            time.Advance(step ?? TimeSpan.FromMilliseconds(500));
            return false;
        }, TimeSpan.FromSeconds(30), "the delivery to finish on the fake clock");
        return await task;
    }

    public static async Task Text(HttpContext context, int status, string body, string contentType = "text/plain")
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        await context.Response.WriteAsync(body);
    }

    public static Task Json(HttpContext context, int status, string json) => Text(context, status, json, "application/json; charset=utf-8");
}

/// <summary>Collects formatted log lines (to check that no secret is ever logged).</summary>
internal sealed class ListLogger<T> : ILogger<T>
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Lines.Enqueue($"{logLevel}: {formatter(state, exception)} {exception}");
}

/// <summary>The system's timers and stopwatch with a fixed wall-clock "now" (for checks against the date, not delays).</summary>
internal sealed class FixedNowTimeProvider(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
