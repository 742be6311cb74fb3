using System.Collections.Concurrent;
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
/// an exact replay of a request already handled is refused too. "Override 1 h" opens the budget's override window,
/// "Raise 10 %" sets the limit to the alert's limit × 1.1 (idempotent); both are audited, the kill-switch document is
/// rewritten at once, and the Slack message is replaced to show who did what.
/// </summary>
public sealed class SlackActionEndpoint(AlertsOptions alerts, BudgetActions actions, IAlertDispatcher dispatcher, TimeProvider time)
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
        foreach (var (signature, expires) in _seen)
        {
            if (expires < now)
            {
                _seen.TryRemove(signature, out _);
            }
        }

        if (!_seen.TryAdd(http.Request.Headers[SlackSignature.SignatureHeader].ToString(), now + SlackSignature.DefaultTolerance + TimeSpan.FromMinutes(1)))
        {
            return Problems.Of(409, "slack-replay", "Replayed request", "This Slack request was already handled.");
        }

        var form = QueryHelpers.ParseQuery(Encoding.UTF8.GetString(body));
        if (!form.TryGetValue("payload", out var payloadText))
        {
            return Problems.Of(400, "bad-slack-payload", "Bad Slack payload", "The form has no 'payload' field.");
        }

        using var payload = JsonDocument.Parse(payloadText.ToString());
        var root = payload.RootElement;
        if (!root.TryGetProperty("actions", out var list) || list.GetArrayLength() == 0)
        {
            return Results.Ok(); // not a button click (e.g. a shortcut): nothing to do
        }

        var action = list[0];
        var actionId = action.GetProperty("action_id").GetString();
        if (!SlackActionValue.TryParse(action.TryGetProperty("value", out var v) ? v.GetString() : null, out var value))
        {
            return Problems.Of(400, "bad-slack-payload", "Bad Slack payload", "The button carries no LensAI budget.");
        }

        var user = root.TryGetProperty("user", out var u) && u.TryGetProperty("id", out var id) ? id.GetString() ?? "unknown" : "unknown";
        var actor = "slack:" + (root.TryGetProperty("user", out var u2) && u2.TryGetProperty("username", out var name) ? name.GetString() : user);
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
                    return Problems.Of(400, "bad-slack-payload", "Unknown action", $"'{actionId}' is not a LensAI button.");
            }
        }
        catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException)
        {
            return Results.Json(new Dictionary<string, object> { ["response_type"] = "ephemeral", ["replace_original"] = false, ["text"] = ex.Message });
        }

        if (root.TryGetProperty("response_url", out var responseUrl) && Uri.TryCreate(responseUrl.GetString(), UriKind.Absolute, out var url)
            && dispatcher is ChannelAlertDispatcher { Slack: { } slack })
        {
            var message = SlackMessages.BuildResolved(value.Project, value.BudgetId, new BudgetScope(ScopeOf(value), value.ScopeValue), resolution, value.AlertId);
            await slack.RespondAsync(url, message, http.RequestAborted).ConfigureAwait(false);
        }

        return Results.Ok();
    }

    private static string ScopeOf(SlackActionValue value) => value.ScopeValue is null ? "project" : value.BudgetId.StartsWith("default-", StringComparison.Ordinal) ? "user" : "scope";
}
