using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using LensAI.Backend.Alerts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Stripe;
using Stripe.Billing;

namespace LensAI.Backend.Billing;

/// <summary>
/// Sends usage to a Stripe billing meter with Stripe.net's <see cref="MeterEventService"/>
/// (<c>POST /v1/billing/meter_events</c>). The event's identifier is also its <c>Idempotency-Key</c>, so Stripe.net's
/// own retries and any re-run of the same (project, customer, hour) are one event in Stripe. Stripe.net retries network
/// failures, timeouts, 409 and 5xx up to <see cref="StripeOptions.MaxNetworkRetries"/> times and obeys
/// <c>Stripe-Should-Retry</c>; a 429 is waited out here (<c>Retry-After</c>, capped by
/// <see cref="StripeOptions.MaxRetryAfter"/>) and sent again. The key is never logged.
/// </summary>
public sealed partial class StripeMeterClient : IDisposable
{
    /// <summary>Stripe's limit on <c>identifier</c>.</summary>
    public const int MaxIdentifierLength = 100;

    private static readonly TimeSpan MaxEventAge = TimeSpan.FromDays(35);
    private static readonly TimeSpan MaxEventSkew = TimeSpan.FromMinutes(5);

    private readonly HttpClient _http;
    private readonly MeterEventService _meterEvents;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _apiKey;
    private readonly string _eventName;
    private readonly string _customerKey;
    private readonly string _valueKey;
    private readonly int _maxRetries;
    private readonly TimeSpan _maxRetryAfter;

    /// <summary>A client from validated options (read once, here).</summary>
    /// <param name="options">Stripe settings; validated here (an <see cref="ArgumentException"/> names each bad option).</param>
    /// <param name="timeProvider">Clock for 429 waits and the 35-day check; default the system clock.</param>
    /// <param name="logger">Where 429 waits and undelivered events are logged (never with the key).</param>
    public StripeMeterClient(StripeOptions options, TimeProvider? timeProvider = null, ILogger<StripeMeterClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _apiKey = options.ApiKey!;
        _eventName = options.MeterEventName!;
        _customerKey = options.CustomerPayloadKey;
        _valueKey = options.ValuePayloadKey;
        _maxRetries = options.MaxNetworkRetries;
        _maxRetryAfter = options.MaxRetryAfter;
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _http = SlackClient.CreateHttpClient();
        _http.Timeout = options.RequestTimeout;
        var appInfo = new AppInfo { Name = "LensAI", Version = typeof(StripeMeterClient).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] };
        var stripe = new StripeClient(new StripeClientOptions
        {
            ApiKey = _apiKey,
            ApiBase = options.BaseUrl.TrimEnd('/'),
            HttpClient = new SystemNetHttpClient(_http, _maxRetries, appInfo, enableTelemetry: false),
        });
        _meterEvents = new MeterEventService(stripe);
    }

    /// <summary>
    /// The identifier of a customer's usage in one hour: <c>&lt;project&gt;:&lt;customer&gt;:&lt;yyyyMMddHH&gt;</c> (the
    /// hour in UTC). Longer than Stripe's 100 characters, it becomes <c>lensai-&lt;40 hex of its SHA-256&gt;:&lt;yyyyMMddHH&gt;</c>
    /// — still derived from the same three values, so still stable.
    /// </summary>
    public static string CreateIdentifier(string project, string customerId, DateTimeOffset hour)
    {
        ArgumentException.ThrowIfNullOrEmpty(project);
        ArgumentException.ThrowIfNullOrEmpty(customerId);
        var hourText = hour.UtcDateTime.ToString("yyyyMMddHH", CultureInfo.InvariantCulture);
        var identifier = $"{project}:{customerId}:{hourText}";
        if (identifier.Length <= MaxIdentifierLength)
        {
            return identifier;
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(identifier));
        return "lensai-" + Convert.ToHexStringLower(hash)[..40] + ":" + hourText;
    }

    /// <summary>A cost in USD as whole micro-dollars (rounded half away from zero), the <c>micro_usd</c> meter value.</summary>
    public static long ToMicroUsd(decimal usd) => (long)Math.Round(usd * 1_000_000m, MidpointRounding.AwayFromZero);

    /// <summary>Sends one meter event. Only a cancelled <paramref name="cancellationToken"/> throws.</summary>
    internal async Task<StripeMeterEventResult> SendAsync(StripeMeterEvent meterEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(meterEvent);
        ArgumentException.ThrowIfNullOrEmpty(meterEvent.CustomerId);
        ArgumentException.ThrowIfNullOrEmpty(meterEvent.Identifier);
        ArgumentOutOfRangeException.ThrowIfNegative(meterEvent.Value);
        if (meterEvent.Identifier.Length > MaxIdentifierLength)
        {
            throw new ArgumentException($"The identifier is {meterEvent.Identifier.Length} characters; Stripe allows {MaxIdentifierLength}.", nameof(meterEvent));
        }

        var label = $"Stripe meter event {meterEvent.Identifier} (customer {meterEvent.CustomerId})";
        var age = _time.GetUtcNow() - meterEvent.Timestamp;
        if (age > MaxEventAge || -age > MaxEventSkew)
        {
            return new StripeMeterEventResult(MeterEventStatus.Failed, $"{label}: its timestamp {meterEvent.Timestamp.UtcDateTime:O} is " +
                (age > MaxEventAge ? "older than Stripe's 35-day window" : "more than 5 minutes in the future") + "; not sent.");
        }

        var create = new MeterEventCreateOptions
        {
            EventName = meterEvent.EventName ?? _eventName,
            Payload = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [_customerKey] = meterEvent.CustomerId,
                [_valueKey] = meterEvent.Value.ToString(CultureInfo.InvariantCulture),
            },
            Identifier = meterEvent.Identifier,
            Timestamp = meterEvent.Timestamp.UtcDateTime,
        };
        var request = new RequestOptions { IdempotencyKey = meterEvent.Identifier };
        for (var waits = 0; ; waits++)
        {
            try
            {
                await _meterEvents.CreateAsync(create, request, cancellationToken).ConfigureAwait(false);
                return new StripeMeterEventResult(MeterEventStatus.Delivered, $"{label}: delivered.", 200);
            }
            catch (StripeException e) when (e.StripeResponse is { } response)
            {
                var status = (int)e.HttpStatusCode;
                var why = $"{label}: {Describe(e, response)}";
                if (e.HttpStatusCode == HttpStatusCode.TooManyRequests)
                {
                    var wait = RetryAfter(response.Headers, waits + 1);
                    if (waits < _maxRetries && wait <= _maxRetryAfter)
                    {
                        LogRateLimited(_logger, meterEvent.Identifier, wait);
                        await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
                        continue;
                    }

                    why += response.Headers.RetryAfter is null
                        ? $" Still rate-limited after {waits} wait(s)."
                        : $" Stripe asks to wait {wait.TotalSeconds:0.#} s.";
                }

                var retryLater = status is 409 or 429 or >= 500 or (>= 200 and < 300) // unreadable success: a re-send is answered from Stripe's idempotency store
                    || (response.Headers.TryGetValues("Stripe-Should-Retry", out var shouldRetry) && shouldRetry.Contains("true"));
                return NotDelivered(retryLater, why, status, e.StripeError);
            }
            catch (StripeException e)
            {
                return NotDelivered(false, $"{label}: {Redact(e.Message)}", null, null);
            }
            catch (HttpRequestException e)
            {
                return NotDelivered(true, $"{label}: network error after {_maxRetries + 1} attempt(s): {Redact(e.Message)}", null, null);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return NotDelivered(true, $"{label}: no answer within {_http.Timeout.TotalSeconds:0.###} s, {_maxRetries + 1} attempt(s).", null, null);
            }
        }
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    private StripeMeterEventResult NotDelivered(bool retryLater, string message, int? status, StripeError? error)
    {
        if (retryLater)
        {
            LogRetryLater(_logger, message);
        }

        return new StripeMeterEventResult(retryLater ? MeterEventStatus.RetryLater : MeterEventStatus.Failed, message, status, error);
    }

    private string Describe(StripeException e, StripeResponse response)
    {
        var status = (int)e.HttpStatusCode;
        if (e.StripeError is not { } error)
        {
            var body = response.Content ?? string.Empty;
            var what = status is >= 200 and < 300 ? "an unreadable answer" : "not a Stripe error body";
            return $"HTTP {status}, {what}: {(body.Length == 0 ? "empty body" : DeliveryPipeline.Excerpt(Redact(body)))}";
        }

        var code = error.Code is null ? string.Empty : " " + error.Code;
        var param = error.Param is null ? string.Empty : $" (param {error.Param})";
        return $"HTTP {status} {error.Type ?? "error"}{code}: {Redact(error.Message ?? "(no message)")}{param}";
    }

    // Stripe's Retry-After (seconds or a date); without one, Stripe.net's own backoff: 0.5 s doubling, at most 5 s.
    private TimeSpan RetryAfter(HttpResponseHeaders headers, int wait)
    {
        var header = headers.RetryAfter;
        var asked = header?.Delta ?? (header?.Date is { } date ? date - _time.GetUtcNow() : null);
        if (asked is { } delay)
        {
            return delay < TimeSpan.Zero ? TimeSpan.Zero : delay;
        }

        var backoff = SystemNetHttpClient.MinNetworkRetriesDelay * Math.Pow(2, wait - 1);
        return backoff < SystemNetHttpClient.MaxNetworkRetriesDelay ? backoff : SystemNetHttpClient.MaxNetworkRetriesDelay;
    }

    private string Redact(string text) => text.Replace(_apiKey, "***", StringComparison.Ordinal);

    [LoggerMessage(1, LogLevel.Information, "Stripe rate-limited meter event {Identifier}; sending it again in {Wait}")]
    private static partial void LogRateLimited(ILogger logger, string identifier, TimeSpan wait);

    [LoggerMessage(2, LogLevel.Warning, "{Message} Left pending for the next run.")]
    private static partial void LogRetryLater(ILogger logger, string message);
}
