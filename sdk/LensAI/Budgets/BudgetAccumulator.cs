namespace LensAI.Budgets;

/// <summary>
/// The in-flight estimates reserved against one budget (one budget id and scope value). It outlives the status
/// documents, so calls in flight when a new document arrives stay counted and release against the same total.
/// Guarded by the <see cref="BudgetGuard"/>'s lock.
/// </summary>
internal sealed class BudgetAccumulator
{
    public long ReservedNano;
}
