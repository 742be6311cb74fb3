namespace LensAI.Testing;

/// <summary>Test access to the SDK's client constructor and budget status poller (internal to the SDK), for test projects without its internals.</summary>
public static class LensPolling
{
    /// <summary>A client made directly (its constructor is internal to the SDK), on the system clock.</summary>
    public static LensAIClient Create(LensAIOptions options) => new(options, null, TimeProvider.System);

    /// <summary>Polls <c>GET /v1/budgets/status</c> now, as the poller's timer would (no waiting for its interval).</summary>
    public static Task PollBudgetsNowAsync(this LensAIClient lens)
    {
        ArgumentNullException.ThrowIfNull(lens);
        return lens.BudgetPoller?.PollNowAsync() ?? throw new InvalidOperationException("The client has no budget poller (Budgets.Enabled is off).");
    }
}
