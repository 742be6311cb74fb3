using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LensAI.Backend.Alerts;

/// <summary>
/// The generic JSON webhook channel, for teams not on Slack: each alert is POSTed to
/// <see cref="WebhookOptions.Url"/> as JSON (schema below), signed with the shared secret:
/// <list type="bullet">
/// <item><c>X-LensAI-Timestamp</c>: unix seconds when the attempt was made;</item>
/// <item><c>X-LensAI-Signature</c>: <c>sha256=</c> + hex HMAC-SHA256(secret, <c>{timestamp}.{raw body}</c>) — the
/// timestamp is inside the MAC, so a receiver can refuse replays (<see cref="VerifySignature(string?, string?, string?, ReadOnlySpan{byte}, DateTimeOffset, TimeSpan?)"/>);</item>
/// <item><c>X-LensAI-Alert-Id</c>: the alert's stable id (also <c>alert_id</c> in the body), to drop repeats.</item>
/// </list>
/// Body: <c>{"type":"budget_alert","schema_version":1,"alert_id","project","budget_id","scope":{"kind","value"},
/// "period","period_start","period_end","kind":"threshold|forecast|unpriced","threshold_percent","spent_usd",
/// "limit_usd","percent","forecast_usd","projected_exceed_at","top_models":[{"name","cost_usd"}],"top_users":[…],
/// "unpriced_calls","unpriced_models":[…],"estimated_calls","action":"alert|block","blocked","summary"}</c> (amounts are JSON numbers
/// in USD; times ISO 8601 with offset; absent values are null). A 2xx answer is delivered; 408, 429 (with
/// <c>Retry-After</c>), 5xx, network errors and timeouts are retried; other answers fail at once. Redirects are not
/// followed. The URL and secret are never logged.
/// </summary>
internal sealed class WebhookClient : IDisposable
{
    /// <summary>The signature header.</summary>
    public const string SignatureHeader = "X-LensAI-Signature";

    /// <summary>The timestamp header (unix seconds).</summary>
    public const string TimestampHeader = "X-LensAI-Timestamp";

    /// <summary>The alert id header.</summary>
    public const string AlertIdHeader = "X-LensAI-Alert-Id";

    /// <summary>The signature scheme prefix.</summary>
    public const string SignaturePrefix = "sha256=";

    /// <summary>The replay window receivers should allow.</summary>
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromMinutes(5);

    private readonly WebhookOptions _options;
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly TimeProvider _time;
    private readonly Uri _uri;
    private readonly DeliveryPipeline _pipeline;

    /// <summary>A client from validated options.</summary>
    /// <param name="options">Webhook settings; validated here (an <see cref="ArgumentException"/> names each bad option).</param>
    /// <param name="httpClient">An HTTP client to use (not disposed here); null: the client makes its own.</param>
    /// <param name="timeProvider">Clock for signatures, retries and timeouts; default the system clock.</param>
    /// <param name="logger">Where retries and failures are logged (never with the URL or secret).</param>
    public WebhookClient(WebhookOptions options, HttpClient? httpClient = null, TimeProvider? timeProvider = null, ILogger<WebhookClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _ownsHttp = httpClient is null;
        _http = httpClient ?? SlackClient.CreateHttpClient();
        _uri = new Uri(options.Url!);
        _pipeline = new DeliveryPipeline("Webhook", _http, options.Retry, _time, (ILogger?)logger ?? NullLogger.Instance,
            [options.Url, options.Secret, _uri.PathAndQuery is { Length: > 1 } path ? path : null]);
    }

    /// <summary>Test hook: see <see cref="DeliveryPipeline.OnRetryScheduled"/>.</summary>
    internal Action<int, TimeSpan>? OnRetryScheduled
    {
        get => _pipeline.OnRetryScheduled;
        set => _pipeline.OnRetryScheduled = value;
    }

    /// <summary>POSTs <paramref name="alert"/> as signed JSON.</summary>
    public async Task<AlertDeliveryResult> SendAsync(BudgetAlert alert, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var body = BuildPayload(alert);
        var outcome = await _pipeline.SendAsync("POST", () => SignedPost(body, alert.AlertId), ClassifyAsync, cancellationToken).ConfigureAwait(false);
        return AlertDeliveryResult.From(outcome);
    }

    /// <summary>The JSON body sent for <paramref name="alert"/> (see the class summary for the schema).</summary>
    public static byte[] BuildPayload(BudgetAlert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return SlackMessages.Write(writer =>
        {
            writer.WriteString("type", "budget_alert");
            writer.WriteNumber("schema_version", 1);
            writer.WriteString("alert_id", alert.AlertId);
            writer.WriteString("project", alert.Project);
            writer.WriteString("budget_id", alert.BudgetId);
            writer.WriteStartObject("scope");
            writer.WriteString("kind", alert.Scope.Kind);
            WriteNullable(writer, "value", alert.Scope.Value);
            writer.WriteEndObject();
            writer.WriteString("period", alert.Period);
            writer.WriteString("period_start", alert.PeriodStart);
            writer.WriteString("period_end", alert.PeriodEnd);
            writer.WriteString("kind", alert.Kind switch
            {
                BudgetAlertKind.Threshold => "threshold",
                BudgetAlertKind.Forecast => "forecast",
                _ => "unpriced",
            });
            if (alert.ThresholdPercent is { } threshold)
            {
                writer.WriteNumber("threshold_percent", threshold);
            }
            else
            {
                writer.WriteNull("threshold_percent");
            }

            writer.WriteNumber("spent_usd", alert.SpentUsd);
            writer.WriteNumber("limit_usd", alert.LimitUsd);
            writer.WriteNumber("percent", alert.Percent);
            if (alert.ForecastUsd is { } forecast)
            {
                writer.WriteNumber("forecast_usd", forecast);
            }
            else
            {
                writer.WriteNull("forecast_usd");
            }

            if (alert.ProjectedExceedAt is { } at)
            {
                writer.WriteString("projected_exceed_at", at);
            }
            else
            {
                writer.WriteNull("projected_exceed_at");
            }

            WriteShares(writer, "top_models", alert.TopModels);
            WriteShares(writer, "top_users", alert.TopUsers);
            writer.WriteNumber("unpriced_calls", alert.UnpricedCalls);
            writer.WriteStartArray("unpriced_models");
            foreach (var model in alert.UnpricedModels)
            {
                writer.WriteStringValue(model);
            }

            writer.WriteEndArray();
            writer.WriteNumber("estimated_calls", alert.EstimatedCalls);
            writer.WriteString("action", alert.Action);
            writer.WriteBoolean("blocked", alert.Blocked);
            writer.WriteString("summary", SlackMessages.Summary(alert));
        });
    }

    /// <summary>
    /// For receivers: verifies <c>X-LensAI-Signature</c> against the raw body and <c>X-LensAI-Timestamp</c>, refusing
    /// timestamps outside <paramref name="tolerance"/> (default five minutes); constant-time compare.
    /// </summary>
    public static SignatureVerification VerifySignature(string? secret, string? timestampHeader, string? signatureHeader, ReadOnlySpan<byte> body,
        DateTimeOffset now, TimeSpan? tolerance = null) =>
        HmacSignature.Verify(secret, timestampHeader, signatureHeader, body, now, tolerance ?? DefaultTolerance,
            SignaturePrefix, static ts => ts + ".", TimestampHeader, SignatureHeader);

    /// <summary>For ASP.NET Core receivers: <see cref="VerifySignature(string?, string?, string?, ReadOnlySpan{byte}, DateTimeOffset, TimeSpan?)"/> on a request's headers.</summary>
    public static SignatureVerification VerifySignature(string? secret, IHeaderDictionary headers, ReadOnlySpan<byte> body, TimeProvider timeProvider,
        TimeSpan? tolerance = null)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(timeProvider);
        return VerifySignature(secret, headers[TimestampHeader].ToString(), headers[SignatureHeader].ToString(), body, timeProvider.GetUtcNow(), tolerance);
    }

    /// <summary>The <c>X-LensAI-Signature</c> value for a body sent at <paramref name="timestamp"/> (unix seconds).</summary>
    public static string ComputeSignature(string secret, string timestamp, ReadOnlySpan<byte> body)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        ArgumentException.ThrowIfNullOrEmpty(timestamp);
        return SignaturePrefix + HmacSignature.ComputeHex(secret, timestamp + ".", body);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    private HttpRequestMessage SignedPost(byte[] body, string alertId)
    {
        // Signed per attempt: a retry after a wait carries a fresh timestamp.
        var timestamp = _time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var request = new HttpRequestMessage(HttpMethod.Post, _uri) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add(TimestampHeader, timestamp);
        request.Headers.Add(SignatureHeader, ComputeSignature(_options.Secret!, timestamp, body));
        request.Headers.Add(AlertIdHeader, alertId);
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("LensAI-Alerts", "1"));
        return request;
    }

    private async Task<AttemptOutcome> ClassifyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        if (response.IsSuccessStatusCode)
        {
            return new AttemptOutcome(AttemptKind.Success, $"Webhook: delivered (HTTP {status}).") { StatusCode = status };
        }

        var body = await DeliveryPipeline.ReadBodyAsync(response, cancellationToken, 4096).ConfigureAwait(false);
        var detail = body.Length == 0 ? string.Empty : ": " + DeliveryPipeline.Excerpt(_pipeline.Redact(body));
        if (DeliveryPipeline.IsTransientStatus(response.StatusCode))
        {
            return new AttemptOutcome(AttemptKind.Transient, $"Webhook: HTTP {status}{detail}")
            {
                StatusCode = status,
                RetryAfter = DeliveryPipeline.RetryAfterOf(response, _time),
            };
        }

        var hint = status is >= 300 and < 400 ? " (redirects are not followed: configure the final URL)" : string.Empty;
        return new AttemptOutcome(AttemptKind.Permanent, $"Webhook: HTTP {status}{hint}{detail}") { StatusCode = status };
    }

    private static void WriteShares(Utf8JsonWriter writer, string name, IReadOnlyList<CostShare> shares)
    {
        writer.WriteStartArray(name);
        foreach (var share in shares)
        {
            writer.WriteStartObject();
            writer.WriteString("name", share.Name);
            writer.WriteNumber("cost_usd", share.CostUsd);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static void WriteNullable(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }
}
