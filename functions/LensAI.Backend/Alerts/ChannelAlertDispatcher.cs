using System.Collections.Concurrent;
using LensAI.Backend.Budgets;
using Microsoft.Extensions.Logging;

namespace LensAI.Backend.Alerts;

/// <summary>
/// Delivers the budget check's alerts (<see cref="BudgetAlertData"/>) to the configured channels: Slack and/or the
/// JSON webhook. Delivered when every channel accepted the alert; retry later when any channel asks for it (a
/// transient failure); failed otherwise. A channel that already accepted an alert is not sent it again while another
/// channel is still retrying it (remembered in this process, for the last <see cref="RememberedDeliveries"/> alerts).
/// </summary>
public sealed class ChannelAlertDispatcher : IAlertDispatcher, IDisposable
{
    /// <summary>How many (alert, channel) deliveries are remembered to avoid re-sending to a channel that accepted.</summary>
    public const int RememberedDeliveries = 10_000;

    private readonly SlackClient? _slack;
    private readonly WebhookClient? _webhook;
    private readonly ConcurrentDictionary<string, byte> _delivered = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _order = new();

    /// <summary>A dispatcher over the given channels (at least one).</summary>
    public ChannelAlertDispatcher(SlackClient? slack, WebhookClient? webhook)
    {
        if (slack is null && webhook is null)
        {
            throw new ArgumentException("At least one alert channel (Slack or webhook) is needed.");
        }

        _slack = slack;
        _webhook = webhook;
    }

    /// <summary>
    /// A dispatcher for every configured channel in <paramref name="options"/> (validated; an
    /// <see cref="ArgumentException"/> names each bad option), or null when none is configured.
    /// </summary>
    public static ChannelAlertDispatcher? Create(AlertsOptions options, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.GetValidationErrors();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid alert options: " + string.Join(" ", errors));
        }

        var slack = options.Slack.IsConfigured
            ? new SlackClient(options.Slack, timeProvider: timeProvider, logger: loggerFactory?.CreateLogger<SlackClient>())
            : null;
        var webhook = options.Webhook.IsConfigured
            ? new WebhookClient(options.Webhook, timeProvider: timeProvider, logger: loggerFactory?.CreateLogger<WebhookClient>())
            : null;
        return slack is null && webhook is null ? null : new ChannelAlertDispatcher(slack, webhook);
    }

    /// <summary>Maps the budget check's alert to the channel-facing <see cref="BudgetAlert"/>.</summary>
    public static BudgetAlert ToBudgetAlert(BudgetAlertData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return new BudgetAlert
        {
            AlertId = data.AlertId,
            Project = data.Project,
            BudgetId = data.BudgetId,
            Scope = new BudgetScope(data.Scope, data.ScopeValue),
            Period = data.Period,
            PeriodStart = data.PeriodStart,
            PeriodEnd = data.PeriodEnd,
            Kind = data.Kind switch
            {
                "threshold" => BudgetAlertKind.Threshold,
                "forecast" => BudgetAlertKind.Forecast,
                "unpriced" => BudgetAlertKind.Unpriced,
                _ => throw new ArgumentException($"Unknown alert kind '{data.Kind}'.", nameof(data)),
            },
            ThresholdPercent = data.ThresholdPercent,
            SpentUsd = data.SpentUsd,
            LimitUsd = data.LimitUsd,
            Percent = data.Percent,
            ForecastUsd = data.ForecastUsd,
            ProjectedExceedAt = data.ProjectedExceedAt,
            TopModels = data.TopModels.Select(m => new CostShare(m.Name, m.CostUsd)).ToArray(),
            TopUsers = data.TopUsers.Select(u => new CostShare(u.Name, u.CostUsd)).ToArray(),
            UnpricedCalls = data.UnpricedCalls,
            UnpricedModels = data.UnpricedModels,
            Action = data.Action,
            Blocked = data.Blocked,
        };
    }

    /// <inheritdoc />
    public async Task<AlertDispatch> DispatchAsync(BudgetAlertData alert, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alert);
        BudgetAlert message;
        try
        {
            message = ToBudgetAlert(alert);
        }
        catch (ArgumentException e)
        {
            return new AlertDispatch(AlertDispatchOutcome.Failed, e.Message);
        }

        var results = new List<(string Channel, AlertDeliveryResult Result)>();
        if (_slack is not null)
        {
            results.Add(("slack", await SendOnceAsync("slack", message, _slack.SendAsync, cancellationToken).ConfigureAwait(false)));
        }

        if (_webhook is not null)
        {
            results.Add(("webhook", await SendOnceAsync("webhook", message, _webhook.SendAsync, cancellationToken).ConfigureAwait(false)));
        }

        var outcome = results.All(r => r.Result.IsDelivered) ? AlertDispatchOutcome.Delivered
            : results.Any(r => r.Result.Status == AlertDeliveryStatus.RetryLater) ? AlertDispatchOutcome.RetryLater
            : AlertDispatchOutcome.Failed;
        return new AlertDispatch(outcome, string.Join(" | ", results.Select(r => $"{r.Channel}: {r.Result.Message}")));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _slack?.Dispose();
        _webhook?.Dispose();
    }

    private async Task<AlertDeliveryResult> SendOnceAsync(string channel, BudgetAlert alert,
        Func<BudgetAlert, CancellationToken, Task<AlertDeliveryResult>> send, CancellationToken cancellationToken)
    {
        var key = channel + "\n" + alert.AlertId;
        if (_delivered.ContainsKey(key))
        {
            return new AlertDeliveryResult(AlertDeliveryStatus.Delivered, $"already delivered to {channel}.", 0);
        }

        var result = await send(alert, cancellationToken).ConfigureAwait(false);
        if (result.IsDelivered && _delivered.TryAdd(key, 0))
        {
            _order.Enqueue(key);
            while (_order.Count > RememberedDeliveries && _order.TryDequeue(out var oldest))
            {
                _delivered.TryRemove(oldest, out _);
            }
        }

        return result;
    }
}
