using LensAI.Backend.Budgets;

namespace Quickstart;

/// <summary>Prints budget alerts to the console (what the quickstart does when no Slack webhook is configured).</summary>
internal sealed class ConsoleAlertDispatcher(TextWriter output) : IAlertDispatcher
{
    public IReadOnlyList<string> Channels { get; } = ["console"];

    public Task<AlertDispatch> DispatchAsync(BudgetAlertData alert, string channel, CancellationToken cancellationToken)
    {
        var what = alert.Kind switch
        {
            "threshold" => $"{alert.ThresholdPercent} % of the {alert.Period} budget reached",
            "forecast" => $"projected to exceed on {alert.ProjectedExceedAt:yyyy-MM-dd}",
            _ => $"{alert.UnpricedCalls} call(s) the catalogue cannot price ({string.Join(", ", alert.UnpricedModels)})",
        };
        output.WriteLine($"  [ALERT] {alert.Project} / {alert.BudgetId}: {what} — spent ${alert.SpentUsd:0.000000} of ${alert.LimitUsd:0.00} ({alert.Percent:0} %){(alert.Blocked ? " — BLOCKING" : "")}");
        if (alert.TopModels.Count > 0)
        {
            output.WriteLine($"          top models: {string.Join(", ", alert.TopModels.Select(m => $"{m.Name} ${m.CostUsd:0.000000}"))}");
        }

        return Task.FromResult(new AlertDispatch(AlertDispatchOutcome.Delivered));
    }
}
