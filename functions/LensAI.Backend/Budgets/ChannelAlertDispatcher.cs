using LensAI.Backend.Alerts;
using Microsoft.Extensions.Logging;

namespace LensAI.Backend.Budgets;

/// <summary>
/// Sends budget alerts to Slack, the generic webhook and/or e-mail, whichever are configured (each budget may choose
/// among them: <see cref="AlertChannels"/>). Each channel is its own outbox entry in the budget state, so a channel
/// that accepted an alert is never sent it again while another retries.
/// </summary>
internal sealed class ChannelAlertDispatcher : IAlertDispatcher, IDisposable
{
    private readonly SlackClient? _slack;
    private readonly WebhookClient? _webhook;
    private readonly EmailClient? _email;
    private readonly BudgetStore? _budgets;

    /// <param name="slack">The Slack channel, if configured.</param>
    /// <param name="webhook">The JSON webhook channel, if configured.</param>
    /// <param name="email">The e-mail channel, if configured.</param>
    /// <param name="budgets">Where a budget's own e-mail recipients (<c>email_to</c>) are read at send time; null: the configured <c>To</c> only.</param>
    public ChannelAlertDispatcher(SlackClient? slack, WebhookClient? webhook, EmailClient? email = null, BudgetStore? budgets = null)
    {
        if (slack is null && webhook is null && email is null)
        {
            throw new ArgumentException("At least one channel is needed; use LogAlertDispatcher when none is configured.");
        }

        _slack = slack;
        _webhook = webhook;
        _email = email;
        _budgets = budgets;
        Channels = [.. slack is null ? Array.Empty<string>() : ["slack"], .. webhook is null ? Array.Empty<string>() : ["webhook"], .. email is null ? Array.Empty<string>() : ["email"]];
    }

    /// <summary>Builds the dispatcher for the configured channels, or returns null when none is configured.</summary>
    public static ChannelAlertDispatcher? Create(AlertsOptions options, TimeProvider? time = null, ILoggerFactory? loggers = null, BudgetStore? budgets = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Slack.IsConfigured && !options.Webhook.IsConfigured && !options.Email.IsConfigured)
        {
            return null;
        }

        return new ChannelAlertDispatcher(
            options.Slack.IsConfigured ? new SlackClient(options.Slack, null, time, loggers?.CreateLogger<SlackClient>()) : null,
            options.Webhook.IsConfigured ? new WebhookClient(options.Webhook, null, time, loggers?.CreateLogger<WebhookClient>()) : null,
            options.Email.IsConfigured ? new EmailClient(options.Email, time, loggers?.CreateLogger<EmailClient>()) : null,
            budgets);
    }

    public IReadOnlyList<string> Channels { get; }

    public SlackClient? Slack => _slack;

    /// <summary>The e-mail channel, if configured (the monthly summary sends through it too).</summary>
    public EmailClient? Email => _email;

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
            "email" when _email is not null => await _email.SendAsync(
                EmailMessages.Alert(message, await RecipientsAsync(alert, _email, cancellationToken).ConfigureAwait(false)), cancellationToken).ConfigureAwait(false),
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

    /// <summary>The budget's own recipients (read now, so an edit applies to alerts still pending), else the configured ones.</summary>
    private async Task<IReadOnlyList<string>> RecipientsAsync(BudgetAlertData alert, EmailClient email, CancellationToken cancellationToken)
    {
        var file = _budgets is null ? null : await _budgets.GetBudgetsAsync(alert.Project, cancellationToken).ConfigureAwait(false);
        return AlertChannels.RecipientsFor(file, alert.BudgetId, email.Options.To);
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
        _webhook?.Dispose(); // the e-mail client opens a connection per message and holds none
    }
}
