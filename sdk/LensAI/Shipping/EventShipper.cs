using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace LensAI.Shipping;

/// <summary>The outcome of sending one batch.</summary>
internal enum ShipOutcome
{
    /// <summary>The endpoint accepted the batch (some events may have been rejected individually).</summary>
    Delivered,

    /// <summary>The endpoint refused the batch as invalid (400): retrying cannot help.</summary>
    Rejected,

    /// <summary>The batch is too large (413): split it.</summary>
    TooLarge,

    /// <summary>The API key was refused (401/403): keep the data, fix the key.</summary>
    Unauthorized,

    /// <summary>The endpoint could not be reached or kept failing (after retries), or the circuit is open.</summary>
    Unavailable,
}

internal readonly record struct ShipResult(ShipOutcome Outcome, int RejectedEvents = 0, string? Detail = null);

/// <summary>
/// Sends gzip batches to <c>POST {endpoint}/v1/events</c> through one Polly pipeline built once: an overall deadline,
/// retries (exponential backoff with jitter, honouring <c>Retry-After</c>) on 5xx, 408, 429, network errors and
/// timeouts, a circuit breaker, and a per-attempt timeout. 400/401/403/413 are never retried.
/// </summary>
internal sealed class EventShipper : IDisposable
{
    private static readonly MediaTypeHeaderValue s_json = new("application/json") { CharSet = "utf-8" };
    private readonly HttpClient _http;
    private readonly Uri _eventsUri;
    private readonly AuthenticationHeaderValue _auth;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;

    public EventShipper(LensAIOptions options, TimeProvider timeProvider, HttpMessageHandler? transport, Func<double>? jitter = null)
    {
        Endpoint = options.Endpoint ?? throw new InvalidOperationException("LensAI:Endpoint is not set.");
        _eventsUri = new Uri(Endpoint, Endpoint.AbsolutePath.TrimEnd('/') + "/v1/events");
        _auth = new AuthenticationHeaderValue("Bearer", options.ApiKey);
        _http = new HttpClient(transport ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), AutomaticDecompression = DecompressionMethods.None }, disposeHandler: transport is null)
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd(Capture.CaptureEngine.SdkName);

        var retry = new RetryStrategyOptions<HttpResponseMessage>
        {
            MaxRetryAttempts = Math.Max(options.MaxRetryAttempts, 0),
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

        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = timeProvider }
            .AddTimeout(options.BatchDeadline);
        if (options.MaxRetryAttempts > 0)
        {
            builder.AddRetry(retry);
        }

        _pipeline = builder
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
    }

    public Uri Endpoint { get; }

    public async Task<ShipResult> SendAsync(ReadOnlyMemory<byte> gzipPayload, CancellationToken cancellationToken)
    {
        HttpResponseMessage? response = null;
        try
        {
            response = await _pipeline.ExecuteAsync(
                static async (state, token) =>
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, state.self._eventsUri);
                    request.Headers.Authorization = state.self._auth;
                    var content = new ReadOnlyMemoryContent(state.payload);
                    content.Headers.ContentType = s_json;
                    content.Headers.ContentEncoding.Add("gzip");
                    request.Content = content;
                    return await state.self._http.SendAsync(request, HttpCompletionOption.ResponseContentRead, token).ConfigureAwait(false);
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
                return new ShipResult(ShipOutcome.Unauthorized, Detail: status.ToString(System.Globalization.CultureInfo.InvariantCulture));
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

            var first = list[0].GetRawText();
            return (list.GetArrayLength(), first.Length > 500 ? first[..500] : first);
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

    public void Dispose() => _http.Dispose();
}
