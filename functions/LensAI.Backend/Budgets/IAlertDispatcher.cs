namespace LensAI.Backend.Budgets;

/// <summary>Delivers budget alerts (Slack, webhook, or the log).</summary>
public interface IAlertDispatcher
{
    /// <summary>The channels alerts go to (e.g. <c>slack</c>, <c>webhook</c>; <c>log</c> when none is configured).</summary>
    IReadOnlyList<string> Channels { get; }

    /// <summary>Delivers one alert on one channel; never throws for an expected failure.</summary>
    Task<AlertDispatch> DispatchAsync(BudgetAlertData alert, string channel, CancellationToken cancellationToken);
}
