namespace LensAI.Testing;

/// <summary>Test access to the SDK's budget status poller (internal to the SDK), for test projects without its internals.</summary>
public static class LensPolling
{
    /// <summary>Polls <c>GET /v1/budgets/status</c> now, as the poller's timer would (no waiting for its interval).</summary>
    public static Task PollBudgetsNowAsync(this LensAIClient lens)
    {
        ArgumentNullException.ThrowIfNull(lens);
        return lens.BudgetPoller?.PollNowAsync() ?? throw new InvalidOperationException("The client has no budget poller (Budgets.Enabled is off).");
    }
}
