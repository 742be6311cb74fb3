namespace LensAI.Backend.Budgets;

/// <summary>One budget applied to one scope value (a default per-user budget expands to one per user).</summary>
internal sealed record BudgetTarget(string BudgetId, string Scope, string? ScopeValue, string Period, decimal AmountUsd, IReadOnlyList<int> Thresholds, string Action, TimeSpan OverrideWindow, bool Forecast)
{
    public string StateKey => BudgetId + "|" + ScopeValue;

    public static BudgetTarget From(BudgetDefinition b) => new(b.Id, b.Scope, b.ScopeValue, b.Period, b.AmountUsd, b.Thresholds.Order().ToList(), b.Action, b.OverrideWindow, b.Forecast);
}
