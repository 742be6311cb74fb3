using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LensAI.Backend.Alerts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LensAI.Backend.Billing;

/// <summary>What became of one meter event.</summary>
public enum MeterEventStatus
{
    /// <summary>Stripe accepted it (200), or answered the cached 200 of an earlier send with the same <c>Idempotency-Key</c>.</summary>
    Delivered,

    /// <summary>429, 5xx, network trouble or a timeout outlasted this send's retries or deadline: keep it pending, send it next run.</summary>
    RetryLater,

    /// <summary>Stripe refused it (400, 401, 402, 403, 404…) or it cannot be sent (too old): <see cref="StripeMeterEventResult.Message"/> says why.</summary>
    Failed,
}

/// <summary>Stripe's error object (<c>{"error":{"type","code","message","param","doc_url"}}</c>).</summary>
/// <param name="Type"><c>invalid_request_error</c>, <c>api_error</c>, <c>idempotency_error</c>…</param>
/// <param name="Code">A short code for some errors (<c>resource_missing</c>…).</param>
/// <param name="Message">Stripe's human-readable message.</param>
/// <param name="Param">The parameter at fault, if any.</param>
/// <param name="DocUrl">A link to Stripe's docs about the error, if given.</param>
public sealed record StripeError(string? Type, string? Code, string? Message, string? Param, string? DocUrl = null);

/// <summary>One usage record for a Stripe billing meter.</summary>
/// <param name="CustomerId">The Stripe customer id (<c>cus_…</c>), sent as <c>payload[stripe_customer_id]</c>.</param>
/// <param name="Value">The usage: micro-dollars or tokens (see <see cref="StripeOptions.ValueUnit"/>), sent as <c>payload[value]</c>.</param>
/// <param name="Identifier">Stable id for dedupe (see <see cref="StripeMeterClient.CreateIdentifier"/>), also the <c>Idempotency-Key</c>.</param>
/// <param name="Timestamp">When the usage happened (the hour's start); sent as unix seconds.</param>
/// <param name="EventName">The meter's event name; null uses <see cref="StripeOptions.MeterEventName"/>.</param>
public sealed record StripeMeterEvent(string CustomerId, long Value, string Identifier, DateTimeOffset Timestamp, string? EventName = null);

/// <summary>The outcome of a meter event send. Expected failures come back here, never as exceptions.</summary>
/// <param name="Status">Delivered, retry later, or failed.</param>
/// <param name="Message">What happened; for a Stripe refusal it carries Stripe's own message.</param>
/// <param name="Attempts">Requests made (0 when refused before sending).</param>
/// <param name="HttpStatus">The last HTTP status, if any answer came.</param>
/// <param name="Error">Stripe's error object, when it sent one.</param>
/// <param name="RetryAfter">Stripe's <c>Retry-After</c> when it ended the send (rate limited past the cap).</param>
public sealed record StripeMeterEventResult(
    MeterEventStatus Status,
    string Message,
    int Attempts,
    int? HttpStatus = null,
    StripeError? Error = null,
    TimeSpan? RetryAfter = null)
{
    /// <summary>True when <see cref="Status"/> is <see cref="MeterEventStatus.Delivered"/>.</summary>
    public bool IsDelivered => Status == MeterEventStatus.Delivered;
}

/// <summary>
/// A thin typed client for Stripe's Billing Meter Events API (<c>Stripe.net</c> does not restore here):
/// <c>POST {BaseUrl}/v1/billing/meter_events</c>, form-encoded (<c>event_name</c>, <c>payload[stripe_customer_id]</c>,
/// <c>payload[value]</c>, <c>identifier</c>, <c>timestamp</c> in unix seconds), <c>Authorization: Bearer sk_…</c>, and an
/// <c>Idempotency-Key</c> equal to the identifier, so a retried or re-run send of the same (project, customer, hour)
/// is one event in Stripe. 200 → delivered; 400/401/402/403/404 → failed with Stripe's message (not retried);
/// 409, 429 (honouring <c>Retry-After</c>), 5xx, network errors and timeouts → retried with backoff, then retry later.
/// <c>Stripe-Should-Retry</c> is obeyed when Stripe sends it. The key is never logged.
/// </summary>
public sealed class StripeMeterClient : IDisposable
{
    /// <summary>The endpoint, relative to <see cref="StripeOptions.BaseUrl"/>.</summary>
    public const string MeterEventsPath = "v1/billing/meter_events";

    /// <summary>Stripe's limit on <c>identifier</c>.</summary>
    public const int MaxIdentifierLength = 100;

    /// <summary>Stripe takes events up to 35 days old.</summary>
    public static readonly TimeSpan MaxEventAge = TimeSpan.FromDays(35);

    /// <summary>Stripe takes events up to 5 minutes in the future.</summary>
    public static readonly TimeSpan MaxEventSkew = TimeSpan.FromMinutes(5);

    private readonly StripeOptions _options;
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly TimeProvider _time;
    private readonly Uri _uri;
    private readonly DeliveryPipeline _pipeline;

    /// <summary>A client from validated options.</summary>
    /// <param name="options">Stripe settings; validated here (an <see cref="ArgumentException"/> names each bad option).</param>
    /// <param name="httpClient">An HTTP client to use (not disposed here); null: the client makes its own.</param>
    /// <param name="timeProvider">Clock for retries, timeouts and the 35-day check; default the system clock.</param>
    /// <param name="logger">Where retries and failures are logged (never with the key).</param>
    public StripeMeterClient(StripeOptions options, HttpClient? httpClient = null, TimeProvider? timeProvider = null, ILogger<StripeMeterClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _ownsHttp = httpClient is null;
        _http = httpClient ?? SlackClient.CreateHttpClient();
        _uri = new Uri(AlertsOptions.WithTrailingSlash(options.BaseUrl), MeterEventsPath);
        _pipeline = new DeliveryPipeline("Stripe", _http, options.Retry, _time, (ILogger?)logger ?? NullLogger.Instance, [options.ApiKey]);
    }

    /// <summary>Test hook: see <see cref="DeliveryPipeline.OnRetryScheduled"/>.</summary>
    internal Action<int, TimeSpan>? OnRetryScheduled
    {
        get => _pipeline.OnRetryScheduled;
        set => _pipeline.OnRetryScheduled = value;
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

    /// <summary>Sends one meter event.</summary>
    public async Task<StripeMeterEventResult> SendAsync(StripeMeterEvent meterEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(meterEvent);
        ArgumentException.ThrowIfNullOrEmpty(meterEvent.CustomerId);
        ArgumentException.ThrowIfNullOrEmpty(meterEvent.Identifier);
        ArgumentOutOfRangeException.ThrowIfNegative(meterEvent.Value);
        if (meterEvent.Identifier.Length > MaxIdentifierLength)
        {
            throw new ArgumentException($"The identifier is {meterEvent.Identifier.Length} characters; Stripe allows {MaxIdentifierLength}.", nameof(meterEvent));
        }

        var eventName = meterEvent.EventName ?? _options.MeterEventName!;
        var age = _time.GetUtcNow() - meterEvent.Timestamp;
        if (age > MaxEventAge)
        {
            return new StripeMeterEventResult(MeterEventStatus.Failed,
                $"Stripe meter event {meterEvent.Identifier}: its timestamp {meterEvent.Timestamp.UtcDateTime:O} is older than Stripe's 35-day window; not sent.", 0);
        }

        if (-age > MaxEventSkew)
        {
            return new StripeMeterEventResult(MeterEventStatus.Failed,
                $"Stripe meter event {meterEvent.Identifier}: its timestamp {meterEvent.Timestamp.UtcDateTime:O} is more than 5 minutes in the future; not sent.", 0);
        }

        var form = new KeyValuePair<string, string>[]
        {
            new("event_name", eventName),
            new($"payload[{_options.CustomerPayloadKey}]", meterEvent.CustomerId),
            new($"payload[{_options.ValuePayloadKey}]", StripeOptions.Invariant(meterEvent.Value)),
            new("identifier", meterEvent.Identifier),
            new("timestamp", StripeOptions.Invariant(meterEvent.Timestamp.ToUnixTimeSeconds())),
        };
        var outcome = await _pipeline.SendAsync("meter event", () => CreateRequest(form, meterEvent.Identifier), ClassifyAsync, cancellationToken)
            .ConfigureAwait(false);
        var last = outcome.Last;
        var status = last.Kind switch
        {
            AttemptKind.Success => MeterEventStatus.Delivered,
            AttemptKind.Permanent => MeterEventStatus.Failed,
            _ => MeterEventStatus.RetryLater,
        };
        return new StripeMeterEventResult(status, $"{outcome.Message} [{meterEvent.Identifier}]", outcome.Attempts, last.StatusCode, last.Value as StripeError, last.RetryAfter);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    private HttpRequestMessage CreateRequest(KeyValuePair<string, string>[] form, string identifier)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, _uri) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _options.ApiKey);
        request.Headers.Add("Idempotency-Key", identifier);
        if (!string.IsNullOrWhiteSpace(_options.ApiVersion))
        {
            request.Headers.Add("Stripe-Version", _options.ApiVersion);
        }

        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("LensAI-Billing", "1"));
        return request;
    }

    private async Task<AttemptOutcome> ClassifyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        if (response.IsSuccessStatusCode)
        {
            return new AttemptOutcome(AttemptKind.Success, $"Stripe meter event: delivered (HTTP {status}).") { StatusCode = status };
        }

        var body = await DeliveryPipeline.ReadBodyAsync(response, cancellationToken).ConfigureAwait(false);
        var error = ParseError(body);
        var description = error is null
            ? $"Stripe HTTP {status}: {(body.Length == 0 ? "empty body" : "not a Stripe error body: " + DeliveryPipeline.Excerpt(_pipeline.Redact(body)))}"
            : $"Stripe HTTP {status} {error.Type ?? "error"}{(error.Code is null ? string.Empty : " " + error.Code)}: " +
              $"{_pipeline.Redact(error.Message ?? "(no message)")}{(error.Param is null ? string.Empty : $" (param {error.Param})")}";
        var shouldRetry = response.Headers.TryGetValues("Stripe-Should-Retry", out var values) ? values.FirstOrDefault() : null;
        var kind = shouldRetry switch
        {
            "true" => AttemptKind.Transient,
            "false" when status >= 500 => AttemptKind.Ambiguous,
            "false" => AttemptKind.Permanent,
            _ when response.StatusCode == HttpStatusCode.Conflict => AttemptKind.Transient, // same Idempotency-Key still in flight
            _ when DeliveryPipeline.IsTransientStatus(response.StatusCode) => AttemptKind.Transient,
            _ => AttemptKind.Permanent,
        };
        return new AttemptOutcome(kind, description)
        {
            StatusCode = status,
            ErrorCode = error?.Code ?? error?.Type,
            RetryAfter = kind == AttemptKind.Transient ? DeliveryPipeline.RetryAfterOf(response, _time) : null,
            Value = error,
        };
    }

    private static StripeError? ParseError(string body)
    {
        if (body.TrimStart() is not ['{', ..])
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("error", out var error) || error.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            return new StripeError(Text(error, "type"), Text(error, "code"), Text(error, "message"), Text(error, "param"), Text(error, "doc_url"));
        }
        catch (JsonException)
        {
            return null;
        }

        static string? Text(JsonElement element, string name) =>
            element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
    }
}
