using LensAI.Budgets;

namespace LensAI.Backend.Budgets;

/// <summary>The outcome of one budget check for a project.</summary>
public sealed record BudgetEvaluation(BudgetStateFile State, IReadOnlyList<BudgetAlertData> NewAlerts, BudgetStatusDocument Status);
