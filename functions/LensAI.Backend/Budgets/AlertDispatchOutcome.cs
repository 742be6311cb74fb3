namespace LensAI.Backend.Budgets;

/// <summary>The outcome of a delivery attempt.</summary>
public enum AlertDispatchOutcome
{
    Delivered,
    RetryLater,
    Failed,
}
