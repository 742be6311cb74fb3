using Microsoft.Extensions.Logging;

namespace LensAI.Backend.Budgets;

/// <summary>When no Slack, webhook or e-mail channel is configured, alerts are written to the log (and count as delivered).</summary>
internal sealed partial class LogAlertDispatcher(ILogger<LogAlertDispatcher> logger) : IAlertDispatcher
{
    public IReadOnlyList<string> Channels { get; } = ["log"];

    public Task<AlertDispatch> DispatchAsync(BudgetAlertData alert, string channel, CancellationToken cancellationToken)
    {
        LogAlert(logger, alert.Project, alert.BudgetId, alert.ScopeValue ?? "", alert.Kind, alert.ThresholdPercent ?? 0, alert.SpentUsd, alert.LimitUsd, alert.Percent);
        return Task.FromResult(new AlertDispatch(AlertDispatchOutcome.Delivered, "logged"));
    }

    [LoggerMessage(1, LogLevel.Warning, "Budget alert — project {Project}, budget {BudgetId} {ScopeValue}: {Kind} {Threshold}% — spent {Spent:0.00} of {Limit:0.00} USD ({Percent:0.#} %)")]
    private static partial void LogAlert(ILogger logger, string project, string budgetId, string scopeValue, string kind, int threshold, decimal spent, decimal limit, decimal percent);
}
