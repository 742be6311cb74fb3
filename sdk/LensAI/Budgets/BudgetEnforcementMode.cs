namespace LensAI;

/// <summary>What the SDK does with a call whose budget is exhausted.</summary>
public enum BudgetEnforcementMode
{
    /// <summary>
    /// The call throws <see cref="LensAIBudgetExceededException"/> before any request reaches the provider, and is
    /// recorded with status <c>blocked</c>.
    /// </summary>
    Block = 0,

    /// <summary>
    /// The call goes through; a warning is logged (rate-limited) and counted in <c>lensai.budget.warnings</c>.
    /// </summary>
    Warn = 1,
}
