using LensAI.Budgets;

namespace LensAI.Backend.Budgets;

/// <summary>The outcome of one budget check for a project.</summary>
internal sealed record BudgetEvaluation(BudgetStateFile State, IReadOnlyList<BudgetAlertData> NewAlerts, BudgetStatusDocument Status);
