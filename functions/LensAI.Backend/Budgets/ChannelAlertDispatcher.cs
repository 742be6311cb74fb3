using LensAI.Backend.Alerts;
using Microsoft.Extensions.Logging;

namespace LensAI.Backend.Budgets;

/// <summary>
/// Sends budget alerts to Slack and/or the generic webhook, whichever are configured. Each channel is its own outbox
/// entry in the budget state, so a channel that accepted an alert is never sent it again while another retries.
/// </summary>
internal sealed class ChannelAlertDispatcher : IAlertDispatcher, IDisposable
{
    private readonly SlackClient? _slack;
    private readonly WebhookClient? _webhook;

    public ChannelAlertDispatcher(SlackClient? slack, WebhookClient? webhook)
    {
        if (slack is null && webhook is null)
        {
            throw new ArgumentException("At least one channel is needed; use LogAlertDispatcher when none is configured.");
        }

        _slack = slack;
        _webhook = webhook;
        Channels = [.. slack is null ? Array.Empty<string>() : ["slack"], .. webhook is null ? Array.Empty<string>() : ["webhook"]];
    }

    /// <summary>Builds the dispatcher for the configured channels, or returns null when none is configured.</summary>
    public static ChannelAlertDispatcher? Create(AlertsOptions options, TimeProvider? time = null, ILoggerFactory? loggers = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Slack.IsConfigured && !options.Webhook.IsConfigured)
        {
            return null;
        }

        return new ChannelAlertDispatcher(
            options.Slack.IsConfigured ? new SlackClient(options.Slack, null, time, loggers?.CreateLogger<SlackClient>()) : null,
            options.Webhook.IsConfigured ? new WebhookClient(options.Webhook, null, time, loggers?.CreateLogger<WebhookClient>()) : null);
    }

    public IReadOnlyList<string> Channels { get; }

    public SlackClient? Slack => _slack;

    public async Task<AlertDispatch> DispatchAsync(BudgetAlertData alert, string channel, CancellationToken cancellationToken)
    {
        if (alert.Kind is not ("threshold" or "forecast" or "unpriced"))
        {
            return new AlertDispatch(AlertDispatchOutcome.Failed, $"unknown alert kind '{alert.Kind}'");
        }

        var message = ToBudgetAlert(alert);
        var result = channel switch
        {
            "slack" when _slack is not null => await _slack.SendAsync(message, cancellationToken).ConfigureAwait(false),
            "webhook" when _webhook is not null => await _webhook.SendAsync(message, cancellationToken).ConfigureAwait(false),
            _ => null,
        };
        if (result is null)
        {
            return new AlertDispatch(AlertDispatchOutcome.Failed, $"channel '{channel}' is not configured");
        }

        return result.Status switch
        {
            AlertDeliveryStatus.Delivered => new AlertDispatch(AlertDispatchOutcome.Delivered, result.Message),
            AlertDeliveryStatus.Failed => new AlertDispatch(AlertDispatchOutcome.Failed, $"{channel}: {result.Message}"),
            _ => new AlertDispatch(AlertDispatchOutcome.RetryLater, $"{channel}: {result.Message}"),
        };
    }

    public static BudgetAlert ToBudgetAlert(BudgetAlertData a) => new()
    {
        AlertId = a.AlertId,
        Project = a.Project,
        BudgetId = a.BudgetId,
        Scope = new BudgetScope(a.Scope, a.ScopeValue),
        Period = a.Period,
        PeriodStart = a.PeriodStart,
        PeriodEnd = a.PeriodEnd,
        Kind = a.Kind switch { "forecast" => BudgetAlertKind.Forecast, "unpriced" => BudgetAlertKind.Unpriced, _ => BudgetAlertKind.Threshold },
        ThresholdPercent = a.ThresholdPercent,
        SpentUsd = a.SpentUsd,
        LimitUsd = a.LimitUsd,
        Percent = a.Percent,
        ForecastUsd = a.ForecastUsd,
        ProjectedExceedAt = a.ProjectedExceedAt,
        TopModels = a.TopModels.Select(m => new CostShare(m.Name, m.CostUsd)).ToList(),
        TopUsers = a.TopUsers.Select(u => new CostShare(u.Name, u.CostUsd)).ToList(),
        UnpricedCalls = a.UnpricedCalls,
        UnpricedModels = a.UnpricedModels,
        EstimatedCalls = a.EstimatedCalls,
        Action = a.Action,
        Blocked = a.Blocked,
    };

    public void Dispose()
    {
        _slack?.Dispose();
        _webhook?.Dispose();
    }
}
