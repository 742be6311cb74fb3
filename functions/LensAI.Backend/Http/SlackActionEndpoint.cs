using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LensAI.Backend.Alerts;
using LensAI.Backend.Budgets;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace LensAI.Backend.Http;

/// <summary>
/// <c>POST /v1/slack/actions</c>: Slack's interactivity callback for the alert buttons. The request must carry a valid
/// <c>X-Slack-Signature</c> (v0 HMAC-SHA256 over the timestamp and raw body, 5-minute window, constant-time compare);
/// a replay of a request already handled is refused too, however its headers are spelled (the guard keys on the signed
/// timestamp and the body, not on the header text); a validly signed request with a malformed payload is a 400. "Override 1 h" opens the budget's override window,
/// "Raise 10 %" sets the limit to the alert's limit × 1.1 (idempotent); both are audited, the kill-switch document is
/// rewritten at once, and the Slack message is replaced to show who did what.
/// </summary>
internal sealed class SlackActionEndpoint(AlertsOptions alerts, BudgetActions actions, IAlertDispatcher dispatcher, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _seen = new(StringComparer.Ordinal);

    /// <summary>Handles one request.</summary>
    public async Task<IResult> PostAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (string.IsNullOrEmpty(alerts.Slack.SigningSecret))
        {
            return Problems.Of(404, "slack-not-configured", "Slack is not configured", "Set LensAI:Backend:Alerts:Slack:SigningSecret to accept Slack actions.");
        }

        byte[] body;
        try
        {
            body = await RequestBody.ReadAllAsync(http.Request, RequestBody.MaxSmallBodyBytes, http.RequestAborted).ConfigureAwait(false);
        }
        catch (RequestBodyTooLargeException)
        {
            return RequestBody.TooLarge(RequestBody.MaxSmallBodyBytes);
        }

        var verification = SlackSignature.Verify(alerts.Slack.SigningSecret, http.Request.Headers, body, time);
        if (verification.Failure != SignatureFailure.None)
        {
            return Problems.Of(401, "bad-slack-signature", "Invalid Slack signature", verification.Reason);
        }

        var now = time.GetUtcNow();
        foreach (var (seen, expires) in _seen)
        {
            if (expires < now)
            {
                _seen.TryRemove(seen, out _);
            }
        }

        if (!_seen.TryAdd(ReplayKey(http.Request.Headers, body), now + SlackSignature.DefaultTolerance + TimeSpan.FromMinutes(1)))
        {
            return Problems.Of(409, "slack-replay", "Replayed request", "This Slack request was already handled.");
        }

        if (Click.Parse(body) is not { } click)
        {
            return Problems.Of(400, "bad-slack-payload", "Bad Slack payload", "The form's 'payload' is missing or is not a Slack interaction (JSON with actions, user, response_url).");
        }

        if (click.Action is null)
        {
            return Results.Ok(); // not a button click (e.g. a shortcut): nothing to do
        }

        var actionId = click.Action.Value.Id;
        if (!SlackActionValue.TryParse(click.Action.Value.Value, out var value))
        {
            return Problems.Of(400, "bad-slack-payload", "Bad Slack payload", "The button carries no LensAI budget.");
        }

        var user = click.UserId ?? "unknown";
        var actor = "slack:" + (click.UserName ?? user);
        SlackResolution resolution;
        try
        {
            switch (actionId)
            {
                case SlackMessages.OverrideActionId:
                    var until = await actions.OverrideAsync(value.Project, value.BudgetId, value.ScopeValue, actor, http.RequestAborted).ConfigureAwait(false);
                    resolution = SlackResolution.Override(until, user);
                    break;
                case SlackMessages.RaiseActionId:
                    await actions.SetLimitAsync(value.Project, value.BudgetId, value.ScopeValue, value.PeriodStart, value.RaisedLimitUsd, actor, http.RequestAborted).ConfigureAwait(false);
                    resolution = SlackResolution.Raised(value.RaisedLimitUsd, user);
                    break;
                default:
                    return Problems.Of(400, "bad-slack-payload", "Unknown action", $"'{Problems.Clip(actionId ?? "")}' is not a LensAI button.");
            }
        }
        catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException)
        {
            return Results.Json(new Dictionary<string, object> { ["response_type"] = "ephemeral", ["replace_original"] = false, ["text"] = ex.Message });
        }

        if (Uri.TryCreate(click.ResponseUrl, UriKind.Absolute, out var url)
            && dispatcher is ChannelAlertDispatcher { Slack: { } slack })
        {
            var message = SlackMessages.BuildResolved(value.Project, value.BudgetId, new BudgetScope(ScopeOf(value), value.ScopeValue), resolution, value.AlertId);
            await slack.RespondAsync(url, message, http.RequestAborted).ConfigureAwait(false);
        }

        return Results.Ok();
    }

    /// <summary>
    /// What the replay guard keys on: the signed timestamp as a number and a hash of the exact body — never the header
    /// text, so another spelling of the same signature (hex case, spaces, a zero-padded timestamp) is the same request.
    /// Only called once the signature is verified, so the timestamp parses.
    /// </summary>
    internal static string ReplayKey(IHeaderDictionary headers, ReadOnlySpan<byte> body)
    {
        var seconds = long.Parse(headers[SlackSignature.TimestampHeader].ToString().Trim(), NumberStyles.None, CultureInfo.InvariantCulture);
        return seconds.ToString(CultureInfo.InvariantCulture) + ":" + Convert.ToHexStringLower(SHA256.HashData(body));
    }

    /// <summary>The parts of a Slack interaction payload this endpoint reads; null when the payload is not one.</summary>
    private sealed record Click((string? Id, string? Value)? Action, string? UserId, string? UserName, string? ResponseUrl)
    {
        public static Click? Parse(byte[] body)
        {
            var form = QueryHelpers.ParseQuery(Encoding.UTF8.GetString(body));
            if (!form.TryGetValue("payload", out var text) || text.Count != 1)
            {
                return null;
            }

            try
            {
                using var payload = JsonDocument.Parse(text.ToString(), new JsonDocumentOptions { MaxDepth = 32 });
                var root = payload.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    return null;
                }

                var user = Member(root, "user");
                (string?, string?)? action = null;
                var actions = Member(root, "actions");
                if (actions is { ValueKind: not (JsonValueKind.Array or JsonValueKind.Null) })
                {
                    return null;
                }

                if (actions is { } list && list.ValueKind == JsonValueKind.Array && list.GetArrayLength() > 0)
                {
                    if (list[0].ValueKind != JsonValueKind.Object)
                    {
                        return null;
                    }

                    action = (Text(list[0], "action_id"), Text(list[0], "value"));
                }

                return new Click(action, Text(user, "id"), Text(user, "username"), Text(root, "response_url"));
            }
            catch (JsonException)
            {
                return null;
            }
        }

        private static JsonElement? Member(JsonElement? parent, string name)
            => parent is { ValueKind: JsonValueKind.Object } o && o.TryGetProperty(name, out var value) ? value : null;

        private static string? Text(JsonElement? parent, string name)
            => Member(parent, name) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;
    }

    private static string ScopeOf(SlackActionValue value) => value.ScopeValue is null ? "project" : value.BudgetId.StartsWith("default-", StringComparison.Ordinal) ? "user" : "scope";
}
