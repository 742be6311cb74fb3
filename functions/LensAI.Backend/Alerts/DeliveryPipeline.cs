using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace LensAI.Backend.Alerts;

/// <summary>
/// The retry core shared by the Slack client, the JSON webhook client and the e-mail client (Stripe meter events retry inside Stripe.net):
/// one Polly pipeline per client, built once with the client's <see cref="TimeProvider"/> — an overall deadline
/// (timeout) around a retry (exponential backoff with jitter, <c>Retry-After</c> honoured up to a cap) around a
/// per-attempt timeout. Expected failures come back as a <see cref="DeliveryOutcome"/>; only the caller's own
/// cancellation throws.
/// </summary>
internal sealed class DeliveryPipeline
{
    private static readonly ResiliencePropertyKey<SendState> StateKey = new("lensai.delivery.state");

    private readonly string _channel;
    private readonly HttpClient? _http;
    private readonly DeliveryRetryOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string[] _secrets;
    private readonly ResiliencePipeline<AttemptOutcome> _pipeline;

    /// <param name="channel">Name used in messages and logs (<c>"Slack"</c>); never a URL.</param>
    /// <param name="http">The client HTTP requests go through (its own timeout is left to the pipeline); null for a channel that is not HTTP (e-mail).</param>
    /// <param name="options">Retry settings, already validated.</param>
    /// <param name="time">Clock for delays and timeouts.</param>
    /// <param name="logger">Where retries and failures are logged.</param>
    /// <param name="secrets">Strings scrubbed from every message (URLs with tokens, keys).</param>
    public DeliveryPipeline(string channel, HttpClient? http, DeliveryRetryOptions options, TimeProvider time, ILogger logger, IEnumerable<string?> secrets)
    {
        _channel = channel;
        _http = http;
        _options = options.Clone();
        _time = time;
        _logger = logger;
        _secrets = secrets.Where(s => !string.IsNullOrEmpty(s)).Select(s => s!).Distinct(StringComparer.Ordinal).ToArray();
        _pipeline = Build();
    }

    /// <summary>Test hook: called when a retry is scheduled, with the 1-based number of the failed attempt and the delay.</summary>
    internal Action<int, TimeSpan>? OnRetryScheduled { get; set; }

    /// <summary>The options in use.</summary>
    public DeliveryRetryOptions Options => _options;

    /// <summary>
    /// Sends a request built by <paramref name="createRequest"/> (called once per attempt) and classifies each answer
    /// with <paramref name="classify"/>, retrying transient outcomes within the bounds of the options.
    /// </summary>
    public Task<DeliveryOutcome> SendAsync(
        string operation,
        Func<HttpRequestMessage> createRequest,
        Func<HttpResponseMessage, CancellationToken, Task<AttemptOutcome>> classify,
        CancellationToken cancellationToken)
    {
        var http = _http ?? throw new InvalidOperationException($"{_channel} has no HTTP client.");
        return SendAsync(operation, async token =>
        {
            using var request = createRequest();
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token).ConfigureAwait(false);
            return await classify(response, token).ConfigureAwait(false);
        }, cancellationToken);
    }

    /// <summary>
    /// Makes attempts with <paramref name="attempt"/> (called once per attempt with the attempt's token, which the
    /// per-attempt timeout cancels), retrying transient outcomes within the bounds of the options. An exception the
    /// attempt lets out counts as transient when it is an <see cref="IOException"/>, an <see cref="HttpRequestException"/> or a timeout.
    /// </summary>
    public async Task<DeliveryOutcome> SendAsync(string operation, Func<CancellationToken, Task<AttemptOutcome>> attempt, CancellationToken cancellationToken)
    {
        var state = new SendState(attempt, _time.GetTimestamp());
        var context = ResilienceContextPool.Shared.Get(operation, cancellationToken);
        context.Properties.Set(StateKey, state);
        Outcome<AttemptOutcome> outcome;
        try
        {
            outcome = await _pipeline.ExecuteOutcomeAsync(static (ctx, s) => s.AttemptAsync(ctx.CancellationToken), context, state).ConfigureAwait(false);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }

        var result = Settle(operation, outcome, state.Attempts, cancellationToken);
        if (result.Last.Kind == AttemptKind.Success)
        {
            AlertLog.Delivered(_logger, _channel, operation, result.Attempts);
        }
        else
        {
            AlertLog.NotDelivered(_logger, _channel, operation, result.Last.Kind.ToString(), result.Attempts, result.Message);
        }

        return result;
    }

    /// <summary>Scrubs every configured secret out of <paramref name="text"/>.</summary>
    public string Redact(string text)
    {
        foreach (var secret in _secrets)
        {
            text = text.Replace(secret, "***", StringComparison.Ordinal);
        }

        return text;
    }

    /// <summary>Reads at most <paramref name="maxBytes"/> of a body as UTF-8 (error bodies are short; a huge one is cut).</summary>
    internal static async Task<string> ReadBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken, int maxBytes = 64 * 1024)
    {
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = new byte[Math.Min(maxBytes, 16 * 1024)];
            using var collected = new MemoryStream();
            int read;
            while (collected.Length < maxBytes
                   && (read = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, maxBytes - collected.Length)), cancellationToken).ConfigureAwait(false)) > 0)
            {
                collected.Write(buffer, 0, read);
            }

            return Encoding.UTF8.GetString(collected.GetBuffer(), 0, (int)collected.Length);
        }
    }

    /// <summary>The <c>Retry-After</c> of an answer (seconds or an HTTP date), if it has one.</summary>
    internal static TimeSpan? RetryAfterOf(HttpResponseMessage response, TimeProvider time)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (header?.Date is { } date)
        {
            var wait = date - time.GetUtcNow();
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }

        return null;
    }

    /// <summary>True for the statuses every channel treats as transient: 408, 429 and 5xx.</summary>
    internal static bool IsTransientStatus(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    /// <summary>A short, single-line excerpt of a body for a message.</summary>
    internal static string Excerpt(string body, int max = 200)
    {
        var text = body.ReplaceLineEndings(" ").Trim();
        return text.Length <= max ? text : string.Concat(text.AsSpan(0, max), "…");
    }

    private ResiliencePipeline<AttemptOutcome> Build()
    {
        var builder = new ResiliencePipelineBuilder<AttemptOutcome> { TimeProvider = _time };
        builder.AddTimeout(new TimeoutStrategyOptions { Timeout = _options.TotalTimeout });
        if (_options.MaxAttempts > 1)
        {
            var retry = new RetryStrategyOptions<AttemptOutcome>
            {
                MaxRetryAttempts = _options.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = _options.BaseDelay,
                MaxDelay = _options.MaxDelay,
                ShouldHandle = args => new ValueTask<bool>(ShouldRetry(args.Outcome, args.Context)),
                DelayGenerator = static args => new ValueTask<TimeSpan?>(args.Outcome.Result?.RetryAfter),
                OnRetry = args =>
                {
                    AlertLog.Retrying(_logger, _channel, args.Context.OperationKey ?? "request", args.AttemptNumber + 1,
                        Describe(args.Outcome), (long)args.RetryDelay.TotalMilliseconds);
                    OnRetryScheduled?.Invoke(args.AttemptNumber + 1, args.RetryDelay);
                    return default;
                },
            };
            if (_options.Randomizer is { } randomizer)
            {
                retry.Randomizer = randomizer;
            }

            builder.AddRetry(retry);
        }

        builder.AddTimeout(new TimeoutStrategyOptions { Timeout = _options.AttemptTimeout });
        return builder.Build();
    }

    private bool ShouldRetry(Outcome<AttemptOutcome> outcome, ResilienceContext context)
    {
        if (outcome.Exception is { } exception)
        {
            return exception switch
            {
                TimeoutRejectedException or HttpRequestException or IOException => true,

                // An HttpClient's own timeout (a caller-supplied client): not our deadline, not the caller's token.
                OperationCanceledException => !context.CancellationToken.IsCancellationRequested,
                _ => false,
            };
        }

        if (outcome.Result is not { Kind: AttemptKind.Transient } result)
        {
            return false;
        }

        if (result.RetryAfter is not { } after)
        {
            return true;
        }

        if (after > _options.MaxRetryAfter)
        {
            return false;
        }

        var state = context.Properties.GetValue(StateKey, null!);
        return state is null || _time.GetElapsedTime(state.Start) + after < _options.TotalTimeout;
    }

    private DeliveryOutcome Settle(string operation, Outcome<AttemptOutcome> outcome, int attempts, CancellationToken cancellationToken)
    {
        var tries = attempts == 1 ? "1 attempt" : attempts.ToString(CultureInfo.InvariantCulture) + " attempts";
        if (outcome.Exception is { } exception)
        {
            if (exception is OperationCanceledException && cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException($"{_channel} {operation} was cancelled by the caller.", exception, cancellationToken);
            }

            var (kind, message) = exception switch
            {
                TimeoutRejectedException => (AttemptKind.Transient,
                    $"{_channel} {operation}: no answer in time (attempt timeout {_options.AttemptTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s, " +
                    $"deadline {_options.TotalTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s) after {tries}; left for the next run."),
                HttpRequestException or IOException or OperationCanceledException => (AttemptKind.Transient,
                    $"{_channel} {operation}: {Describe(outcome)} after {tries}; left for the next run."),
                _ => (AttemptKind.Permanent, $"{_channel} {operation}: unexpected {Describe(outcome)}."),
            };
            return new DeliveryOutcome(new AttemptOutcome(kind, message), attempts, message);
        }

        var last = outcome.Result!;
        var text = last.Kind switch
        {
            AttemptKind.Success => last.Message,
            AttemptKind.Permanent => last.Message,
            AttemptKind.Ambiguous => $"{last.Message}; not retried at once (the message may have gone out), left for the next run.",
            _ when last.RetryAfter is { } after && after > _options.MaxRetryAfter =>
                $"{last.Message}; Retry-After {Seconds(after)} s is longer than MaxRetryAfter ({Seconds(_options.MaxRetryAfter)} s), left for the next run.",
            _ when last.RetryAfter is { } after && attempts < _options.MaxAttempts =>
                $"{last.Message}; Retry-After {Seconds(after)} s would pass the deadline, left for the next run after {tries}.",
            _ => $"{last.Message}; gave up after {tries}, left for the next run.",
        };
        return new DeliveryOutcome(last, attempts, text);
    }

    private string Describe(Outcome<AttemptOutcome> outcome) => outcome.Exception switch
    {
        null => outcome.Result?.Message ?? "no result",
        TimeoutRejectedException => "attempt timed out",
        HttpRequestException http => Redact($"network error ({http.HttpRequestError}): {http.Message}"),
        OperationCanceledException => "request cancelled by the HTTP client's own timeout",
        var other => Redact($"{other.GetType().Name}: {other.Message}"),
    };

    private static string Seconds(TimeSpan value) => Math.Ceiling(value.TotalSeconds).ToString(CultureInfo.InvariantCulture);

    private sealed class SendState(Func<CancellationToken, Task<AttemptOutcome>> attempt, long start)
    {
        public long Start { get; } = start;

        public int Attempts { get; private set; }

        public async ValueTask<Outcome<AttemptOutcome>> AttemptAsync(CancellationToken cancellationToken)
        {
            Attempts++;
            try
            {
                return Outcome.FromResult(await attempt(cancellationToken).ConfigureAwait(false));
            }
#pragma warning disable CA1031 // Every failure becomes an outcome: the pipeline decides, the caller gets a result.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                return Outcome.FromException<AttemptOutcome>(exception);
            }
        }
    }
}
