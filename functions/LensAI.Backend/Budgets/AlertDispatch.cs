namespace LensAI.Backend.Budgets;

public sealed record AlertDispatch(AlertDispatchOutcome Outcome, string? Detail = null);
