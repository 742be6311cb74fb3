using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using LensAI.Connection;
using LensAI.Diagnostics;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace LensAI.Shipping;

/// <summary>
/// Sends gzip batches to <c>POST {endpoint}/v1/events</c> and settles them: delivered (counted in
/// <c>lensai.events.shipped</c>), rejected (dropped as <c>rejected</c>), or too large (413: split in halves, each
/// sent again — the one place a batch is split). What could not be delivered (endpoint down, key refused) is handed
/// back to the caller: the spooling transport keeps it, and alone this transport drops it as <c>no_spool</c>.
/// </summary>
/// <remarks>
/// One circuit breaker and per-attempt timeout, built once, under two pipelines: <see cref="Attempts.Once"/> (a
/// fresh batch with a spool behind it: one attempt, the spool retries) and <see cref="Attempts.Retrying"/> (an
/// overall deadline and retries with exponential backoff and jitter, honouring <c>Retry-After</c>, on 5xx, 408, 429,
/// network errors and timeouts). 400/401/403/413 are never retried.
/// </remarks>
internal sealed class IngestTransport : IEventTransport
{
    private static readonly MediaTypeHeaderValue s_json = new("application/json") { CharSet = "utf-8" };
    private readonly BackendConnection _connection;
    private readonly Uri _eventsUri;
    private readonly LensAIMetrics _metrics;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline<HttpResponseMessage> _once;
    private readonly ResiliencePipeline<HttpResponseMessage> _retrying;

    public IngestTransport(LensAIOptions options, BackendConnection connection, TimeProvider timeProvider, LensAIMetrics metrics, ILogger logger, Func<double>? jitter = null)
    {
        _connection = connection;
        _eventsUri = connection.Resolve("/v1/events");
        _metrics = metrics;
        _logger = logger;

        _once = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = timeProvider }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpResponseMessage>
            {
                FailureRatio = 0.5,
                MinimumThroughput = 8,
                SamplingDuration = TimeSpan.FromSeconds(30),
                BreakDuration = options.CircuitBreakDuration,
                ShouldHandle = static args => ValueTask.FromResult(IsTransient(args.Outcome)),
            })
            .AddTimeout(options.RequestTimeout)
            .Build();

        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = timeProvider }.AddTimeout(options.BatchDeadline);
        if (options.MaxRetryAttempts > 0)
        {
            var retry = new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = options.MaxRetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                MaxDelay = TimeSpan.FromSeconds(30),
                ShouldHandle = static args => ValueTask.FromResult(IsTransient(args.Outcome)),
                DelayGenerator = static args => ValueTask.FromResult(RetryAfter(args.Outcome.Result)),
            };
            if (jitter is not null)
            {
                retry.Randomizer = jitter; // pinned in tests
            }

            builder.AddRetry(retry);
        }

        _retrying = builder.AddPipeline(_once).Build();
    }

    /// <summary>How hard to try one payload.</summary>
    internal enum Attempts
    {
        /// <summary>One attempt (the spool behind retries later).</summary>
        Once,

        /// <summary>Retries within <see cref="LensAIOptions.BatchDeadline"/>.</summary>
        Retrying,
    }

    public Uri Endpoint => _connection.Endpoint;

    public long StoredBytes => 0;

    /// <summary>Alone (no spool): sends with retries; what cannot be delivered is dropped and counted.</summary>
    public async Task<int> SendAsync(IReadOnlyList<UsageEvent> batch, CancellationToken cancellationToken)
    {
        using var outgoing = OutgoingBatch.Of(batch);
        var undelivered = new List<OutgoingBatch>();
        var lost = await DeliverAsync(outgoing, Attempts.Retrying, undelivered, cancellationToken).ConfigureAwait(false);
        foreach (var part in undelivered)
        {
            _metrics.Drop(part.Count, "no_spool");
            Log.Dropped(_logger, part.Count, "no_spool");
            lost += part.Count;
            part.Dispose();
        }

        return lost;
    }

    public bool Keep(IReadOnlyList<UsageEvent> batch, string reason)
    {
        _metrics.Drop(batch.Count, reason);
        Log.Dropped(_logger, batch.Count, reason);
        return false;
    }

    public Task<bool> FlushAsync(CancellationToken cancellationToken) => Task.FromResult(true);

    /// <summary>
    /// Sends a batch and settles it: a 413 splits it into halves sent in turn (recursively); the parts that could
    /// not be delivered (endpoint unavailable, key refused) are added to <paramref name="undelivered"/>: the caller
    /// owns (and disposes) them. <paramref name="batch"/> itself is never disposed here. Returns how many events were
    /// settled without being delivered (rejected, and dropped as <c>rejected</c>).
    /// </summary>
    internal async Task<int> DeliverAsync(OutgoingBatch batch, Attempts attempts, List<OutgoingBatch> undelivered, CancellationToken cancellationToken)
    {
        var result = await PostAsync(batch.Payload, attempts, cancellationToken).ConfigureAwait(false);
        switch (result.Outcome)
        {
            case ShipOutcome.Delivered:
                _metrics.Shipped.Add(batch.Count - result.RejectedEvents);
                if (result.RejectedEvents > 0)
                {
                    Log.Rejected(_logger, result.RejectedEvents, result.Detail ?? "");
                    _metrics.Drop(result.RejectedEvents, "rejected");
                }

                return result.RejectedEvents;
            case ShipOutcome.Rejected:
                Log.Rejected(_logger, batch.Count, result.Detail ?? "");
                _metrics.Drop(batch.Count, "rejected");
                return batch.Count; // settled: retrying cannot help
            case ShipOutcome.TooLarge when batch.Count > 1:
                var (first, second) = batch.Split();
                var firstLost = await DeliverAsync(first, attempts, undelivered, cancellationToken).ConfigureAwait(false);
                DisposeUnlessKept(first, undelivered);
                var secondLost = await DeliverAsync(second, attempts, undelivered, cancellationToken).ConfigureAwait(false);
                DisposeUnlessKept(second, undelivered);
                return firstLost + secondLost;
            case ShipOutcome.TooLarge:
                Log.Rejected(_logger, batch.Count, "a single event is larger than the endpoint accepts");
                _metrics.Drop(batch.Count, "rejected");
                return batch.Count;
            case ShipOutcome.Unauthorized:
                Log.Unauthorized(_logger, int.TryParse(result.Detail, NumberStyles.None, CultureInfo.InvariantCulture, out var status) ? status : 401);
                LastFailure = "key refused";
                undelivered.Add(batch);
                return 0;
            default:
                LastFailure = result.Detail ?? result.Outcome.ToString();
                undelivered.Add(batch);
                return 0;
        }
    }

    /// <summary>Why the last batch could not be delivered (for the spool's log line).</summary>
    internal string LastFailure { get; private set; } = "unavailable";

    /// <summary>A half of a split batch goes back to the caller (undisposed) when it could not be delivered.</summary>
    private static void DisposeUnlessKept(OutgoingBatch part, List<OutgoingBatch> undelivered)
    {
        if (!undelivered.Contains(part))
        {
            part.Dispose();
        }
    }

    /// <summary>One POST of one payload through the chosen pipeline.</summary>
    internal async Task<ShipResult> PostAsync(ReadOnlyMemory<byte> gzipPayload, Attempts attempts, CancellationToken cancellationToken)
    {
        HttpResponseMessage? response = null;
        try
        {
            response = await (attempts == Attempts.Once ? _once : _retrying).ExecuteAsync(
                static async (state, token) =>
                {
                    using var request = state.self._connection.Request(HttpMethod.Post, state.self._eventsUri);
                    var content = new ReadOnlyMemoryContent(state.payload);
                    content.Headers.ContentType = s_json;
                    content.Headers.ContentEncoding.Add("gzip");
                    request.Content = content;
                    return await state.self._connection.SendAsync(request, HttpCompletionOption.ResponseContentRead, token).ConfigureAwait(false);
                },
                (self: this, payload: gzipPayload),
                cancellationToken).ConfigureAwait(false);

            return await InterpretAsync(response, cancellationToken).ConfigureAwait(false);
        }
        catch (BrokenCircuitException)
        {
            return new ShipResult(ShipOutcome.Unavailable, Detail: "circuit open");
        }
        catch (TimeoutRejectedException)
        {
            return new ShipResult(ShipOutcome.Unavailable, Detail: "timed out");
        }
        catch (HttpRequestException ex)
        {
            return new ShipResult(ShipOutcome.Unavailable, Detail: ex.HttpRequestError.ToString());
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new ShipResult(ShipOutcome.Unavailable, Detail: "timed out");
        }
        finally
        {
            response?.Dispose();
        }
    }

    private static async Task<ShipResult> InterpretAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        switch (status)
        {
            case >= 200 and < 300:
                var (rejected, detail) = await ReadRejectionsAsync(response, cancellationToken).ConfigureAwait(false);
                return new ShipResult(ShipOutcome.Delivered, rejected, detail);
            case 413:
                return new ShipResult(ShipOutcome.TooLarge, Detail: "413 Payload Too Large");
            case 401 or 403:
                return new ShipResult(ShipOutcome.Unauthorized, Detail: status.ToString(CultureInfo.InvariantCulture));
            case 400 or 422:
                var (_, problem) = await ReadRejectionsAsync(response, cancellationToken).ConfigureAwait(false);
                return new ShipResult(ShipOutcome.Rejected, Detail: problem ?? $"HTTP {status}");
            default:
                return new ShipResult(ShipOutcome.Unavailable, Detail: $"HTTP {status}");
        }
    }

    /// <summary>Reads <c>rejected</c> (2xx partial success) or <c>errors</c> (problem+json) from the answer.</summary>
    internal static async Task<(int Rejected, string? Detail)> ReadRejectionsAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            if (body.Length == 0)
            {
                return (0, null);
            }

            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (0, null);
            }

            JsonElement list;
            if (!root.TryGetProperty("rejected", out list) && !root.TryGetProperty("errors", out list))
            {
                return (0, root.TryGetProperty("detail", out var d) ? d.GetString() : null);
            }

            if (list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0)
            {
                return (0, null);
            }

            // The list is capped by the backend; rejected_count (when sent) counts every refused event.
            var count = root.TryGetProperty("rejected_count", out var total) && total.ValueKind == JsonValueKind.Number && total.TryGetInt32(out var n) && n >= list.GetArrayLength() ? n : list.GetArrayLength();
            var first = list[0].GetRawText();
            return (count, first.Length > 500 ? first[..500] : first);
        }
        catch (JsonException)
        {
            return (0, "unreadable error body");
        }
    }

    internal static bool IsTransient(Outcome<HttpResponseMessage> outcome) => outcome switch
    {
        { Exception: HttpRequestException or TimeoutRejectedException or IOException } => true,
        { Exception: OperationCanceledException } => false,
        { Result: { } r } => (int)r.StatusCode is 408 or 429 or >= 500,
        _ => false,
    };

    /// <summary>The server's <c>Retry-After</c> (seconds or HTTP date), capped at 60 s; <see langword="null"/> uses the backoff.</summary>
    internal static TimeSpan? RetryAfter(HttpResponseMessage? response)
    {
        var header = response?.Headers.RetryAfter;
        if (header is null)
        {
            return null;
        }

        var delay = header.Delta ?? (header.Date is { } date ? date - DateTimeOffset.UtcNow : null);
        if (delay is null)
        {
            return null;
        }

        return delay < TimeSpan.Zero ? TimeSpan.Zero : delay > TimeSpan.FromSeconds(60) ? TimeSpan.FromSeconds(60) : delay;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask; // the connection is the client's
}
