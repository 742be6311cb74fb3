using LensAI.Budgets;

namespace LensAI.Backend.Budgets;

/// <summary>The outcome of one budget check for a project.</summary>
internal sealed record BudgetEvaluation(BudgetStateFile State, IReadOnlyList<BudgetAlertData> NewAlerts, BudgetStatusDocument Status)
{
    /// <summary>
    /// The first instant at which the same spend and state could evaluate differently (a period ends, an override
    /// expires, a forecast starts): until then, a check that finds both unchanged has nothing to evaluate.
    /// </summary>
    public DateTimeOffset NextChange { get; init; } = DateTimeOffset.MaxValue;
}
