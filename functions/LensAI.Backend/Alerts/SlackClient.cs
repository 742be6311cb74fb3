using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LensAI.Backend.Alerts;

/// <summary>
/// Sends budget alerts to Slack (a thin client: <c>SlackNet</c> does not restore here). Two ways in:
/// <list type="bullet">
/// <item>an incoming webhook (<see cref="SlackOptions.WebhookUrl"/>): POST the Block Kit JSON; Slack answers
/// <c>200 ok</c>, or an HTTP error with a short code (<c>invalid_payload</c>, <c>no_service</c>…);</item>
/// <item>a bot token and channel: <c>POST {ApiBaseUrl}chat.postMessage</c> with <c>Authorization: Bearer</c> and a
/// JSON body; Slack answers 200 with <c>{"ok":false,"error":"…"}</c> on failure, which is reported with its code.</item>
/// </list>
/// Updates an interactive message through its <c>response_url</c> (<see cref="RespondAsync"/>). 429 (with
/// <c>Retry-After</c>), <c>ratelimited</c>, 5xx, network errors and timeouts are retried with backoff inside one
/// deadline; anything else ends at once. Expected failures never throw: see <see cref="AlertDeliveryResult"/>.
/// The webhook URL and token are never logged nor put in a result.
/// </summary>
internal sealed class SlackClient : IDisposable
{
    /// <summary>Error codes of <c>chat.postMessage</c> worth retrying (the rest are configuration problems).</summary>
    private static readonly HashSet<string> TransientErrors = new(StringComparer.Ordinal)
    {
        "ratelimited", "rate_limited", "internal_error", "fatal_error", "service_unavailable", "request_timeout",
    };

    private readonly SlackOptions _options;
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly TimeProvider _time;
    private readonly DeliveryPipeline _pipeline;
    private readonly Uri _postMessageUri;
    private readonly Uri? _webhookUri;
    private readonly string _responseUrlBase;

    /// <summary>A client from validated options.</summary>
    /// <param name="options">Slack settings; validated here (an <see cref="ArgumentException"/> names each bad option).</param>
    /// <param name="httpClient">An HTTP client to use (not disposed here); null: the client makes its own.</param>
    /// <param name="timeProvider">Clock for retries and timeouts; default the system clock.</param>
    /// <param name="logger">Where retries and failures are logged (never with a secret).</param>
    public SlackClient(SlackOptions options, HttpClient? httpClient = null, TimeProvider? timeProvider = null, ILogger<SlackClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _ownsHttp = httpClient is null;
        _http = httpClient ?? CreateHttpClient();
        _postMessageUri = new Uri(AlertsOptions.WithTrailingSlash(options.ApiBaseUrl), "chat.postMessage");
        _webhookUri = string.IsNullOrWhiteSpace(options.WebhookUrl) ? null : new Uri(options.WebhookUrl);
        _responseUrlBase = options.ResponseUrlBase;
        _pipeline = new DeliveryPipeline("Slack", _http, options.Retry, _time, (ILogger?)logger ?? NullLogger.Instance,
            [options.WebhookUrl, options.BotToken, options.SigningSecret, _webhookUri?.AbsolutePath is { Length: > 1 } path ? path : null]);
    }

    /// <summary>Test hook: see <see cref="DeliveryPipeline.OnRetryScheduled"/>.</summary>
    internal Action<int, TimeSpan>? OnRetryScheduled
    {
        get => _pipeline.OnRetryScheduled;
        set => _pipeline.OnRetryScheduled = value;
    }

    /// <summary>
    /// Sends <paramref name="alert"/>: through <c>chat.postMessage</c> when a bot token and channel are configured,
    /// otherwise through the incoming webhook.
    /// </summary>
    public Task<AlertDeliveryResult> SendAsync(BudgetAlert alert, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return _options.UsesBotToken
            ? PostMessageAsync(SlackMessages.BuildAlert(alert, _options.Channel), cancellationToken)
            : PostWebhookAsync(SlackMessages.BuildAlert(alert), cancellationToken);
    }

    /// <summary>POSTs a message body (<c>text</c>, <c>blocks</c>) to the incoming webhook.</summary>
    public async Task<AlertDeliveryResult> PostWebhookAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        if (_webhookUri is null)
        {
            return new AlertDeliveryResult(AlertDeliveryStatus.Failed, "Slack incoming webhook: LensAI:Backend:Alerts:Slack:WebhookUrl is not configured.", 0);
        }

        var outcome = await _pipeline.SendAsync("incoming webhook", () => JsonPost(_webhookUri, message, bearer: null),
            (response, ct) => ClassifyWebhookAsync(response, "incoming webhook", ct), cancellationToken).ConfigureAwait(false);
        return AlertDeliveryResult.From(outcome);
    }

    /// <summary>
    /// Calls <c>chat.postMessage</c> with a message body that names its <c>channel</c> (see
    /// <see cref="SlackMessages.BuildAlert"/>). On success <see cref="AlertDeliveryResult.MessageId"/> is Slack's <c>ts</c>.
    /// </summary>
    public async Task<AlertDeliveryResult> PostMessageAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(_options.BotToken))
        {
            return new AlertDeliveryResult(AlertDeliveryStatus.Failed, "Slack chat.postMessage: LensAI:Backend:Alerts:Slack:BotToken is not configured.", 0);
        }

        var outcome = await _pipeline.SendAsync("chat.postMessage", () => JsonPost(_postMessageUri, message, _options.BotToken),
            ClassifyPostMessageAsync, cancellationToken).ConfigureAwait(false);
        return AlertDeliveryResult.From(outcome);
    }

    /// <summary>
    /// Replaces an interactive message through the action's <c>response_url</c> with <paramref name="message"/>
    /// (e.g. <see cref="SlackMessages.BuildResolved(BudgetAlert, SlackResolution)"/>, which sets <c>replace_original</c>).
    /// The URL must start with <see cref="SlackOptions.ResponseUrlBase"/>; any other is refused without a request.
    /// </summary>
    public async Task<AlertDeliveryResult> RespondAsync(Uri responseUrl, ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(responseUrl);
        if (!responseUrl.IsAbsoluteUri || !responseUrl.AbsoluteUri.StartsWith(_responseUrlBase, StringComparison.OrdinalIgnoreCase))
        {
            return new AlertDeliveryResult(AlertDeliveryStatus.Failed,
                "Slack response_url refused: it is not under LensAI:Backend:Alerts:Slack:ResponseUrlBase.", 0);
        }

        var outcome = await _pipeline.SendAsync("response_url", () => JsonPost(responseUrl, message, bearer: null),
            (response, ct) => ClassifyWebhookAsync(response, "response_url", ct), cancellationToken).ConfigureAwait(false);
        return AlertDeliveryResult.From(outcome);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    internal static HttpClient CreateHttpClient() => new(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ConnectTimeout = TimeSpan.FromSeconds(10),
        AllowAutoRedirect = false, // a redirect would carry the body (and a bearer token) somewhere unplanned
    })
    {
        Timeout = Timeout.InfiniteTimeSpan, // the pipeline's attempt timeout and deadline rule
    };

    private static HttpRequestMessage JsonPost(Uri uri, ReadOnlyMemory<byte> body, string? bearer)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ReadOnlyMemoryContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return request;
    }

    /// <summary>Incoming webhooks and response URLs: the HTTP status says it, with a short code as the body.</summary>
    private async Task<AttemptOutcome> ClassifyWebhookAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        var body = await DeliveryPipeline.ReadBodyAsync(response, cancellationToken, 4096).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            // A response_url may answer JSON; an ok:false there is still a refusal.
            if (TryReadSlackAnswer(body, out var ok, out var error, out _) && !ok)
            {
                return Refusal(what, status, error, response);
            }

            return new AttemptOutcome(AttemptKind.Success, $"Slack {what}: delivered.") { StatusCode = status };
        }

        var code = TryReadSlackAnswer(body, out _, out var jsonError, out _) ? jsonError : SlackCode(body);
        if (DeliveryPipeline.IsTransientStatus(response.StatusCode))
        {
            return new AttemptOutcome(AttemptKind.Transient, $"Slack {what}: HTTP {status}{(code is null ? string.Empty : " " + code)}")
            {
                StatusCode = status,
                ErrorCode = code,
                RetryAfter = DeliveryPipeline.RetryAfterOf(response, _time),
            };
        }

        return new AttemptOutcome(AttemptKind.Permanent,
            $"Slack {what}: HTTP {status}{(code is null ? string.Empty : " " + code)}{Hint(code, response.StatusCode)}")
        { StatusCode = status, ErrorCode = code };
    }

    /// <summary><c>chat.postMessage</c>: 200 with <c>{"ok":…}</c>; 429 with <c>Retry-After</c>; 5xx.</summary>
    private async Task<AttemptOutcome> ClassifyPostMessageAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        var body = await DeliveryPipeline.ReadBodyAsync(response, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500)
        {
            var code = TryReadSlackAnswer(body, out _, out var e, out _) ? e : null;
            return new AttemptOutcome(AttemptKind.Transient, $"Slack chat.postMessage: HTTP {status}{(code is null ? string.Empty : " " + code)}")
            {
                StatusCode = status,
                ErrorCode = code ?? (status == 429 ? "ratelimited" : null),
                RetryAfter = DeliveryPipeline.RetryAfterOf(response, _time),
            };
        }

        if (!TryReadSlackAnswer(body, out var ok, out var error, out var ts))
        {
            var type = response.Content.Headers.ContentType?.MediaType ?? "no content type";
            if (!response.IsSuccessStatusCode)
            {
                return new AttemptOutcome(AttemptKind.Permanent, $"Slack chat.postMessage: HTTP {status} ({type}): {DeliveryPipeline.Excerpt(_pipeline.Redact(body))}")
                { StatusCode = status };
            }

            // 200 but not Slack's JSON (a proxy page, a cut body): it may or may not have posted. Not retried at once.
            return new AttemptOutcome(AttemptKind.Ambiguous,
                $"Slack chat.postMessage: HTTP {status} with a body that is not Slack's JSON answer ({type}, {body.Length} chars: " +
                $"\"{DeliveryPipeline.Excerpt(_pipeline.Redact(body), 80)}\")")
            { StatusCode = status, ErrorCode = "malformed_response" };
        }

        if (ok)
        {
            return new AttemptOutcome(AttemptKind.Success, "Slack chat.postMessage: delivered.") { StatusCode = status, Value = ts };
        }

        return Refusal("chat.postMessage", status, error, response);
    }

    private AttemptOutcome Refusal(string what, int status, string? error, HttpResponseMessage response)
    {
        var code = error ?? "unknown_error";
        if (TransientErrors.Contains(code))
        {
            return new AttemptOutcome(AttemptKind.Transient, $"Slack {what}: {code}")
            {
                StatusCode = status,
                ErrorCode = code,
                RetryAfter = DeliveryPipeline.RetryAfterOf(response, _time),
            };
        }

        return new AttemptOutcome(AttemptKind.Permanent, $"Slack {what}: {code}{Hint(code, response.StatusCode)}") { StatusCode = status, ErrorCode = code };
    }

    private static string Hint(string? code, HttpStatusCode status) => code switch
    {
        "invalid_auth" or "not_authed" or "token_revoked" or "token_expired" or "account_inactive" =>
            " (check LensAI:Backend:Alerts:Slack:BotToken)",
        "channel_not_found" => " (check LensAI:Backend:Alerts:Slack:Channel)",
        "not_in_channel" => " (invite the app to the channel, or give it chat:write.public)",
        "missing_scope" => " (the app needs the chat:write scope)",
        "no_service" or "no_team" or "team_disabled" or "channel_is_archived" or "action_prohibited" or "no_active_hooks" =>
            " (the incoming webhook is gone or disabled: check LensAI:Backend:Alerts:Slack:WebhookUrl)",
        "invalid_payload" or "invalid_blocks" or "invalid_blocks_format" => " (Slack refused the message format)",
        _ when status is HttpStatusCode.NotFound or HttpStatusCode.Gone => " (the URL no longer exists)",
        _ => string.Empty,
    };

    /// <summary>A webhook's error body is a short code (<c>invalid_payload</c>); anything else is not echoed.</summary>
    private static string? SlackCode(string body)
    {
        var text = body.Trim();
        return text.Length is > 0 and <= 64 && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.') ? text : null;
    }

    private static bool TryReadSlackAnswer(string body, out bool ok, out string? error, out string? ts)
    {
        ok = false;
        error = null;
        ts = null;
        if (body.Length == 0 || body.TrimStart() is not ['{', ..])
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("ok", out var okElement)
                || okElement.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                return false;
            }

            ok = okElement.GetBoolean();
            error = root.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
            ts = root.TryGetProperty("ts", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
