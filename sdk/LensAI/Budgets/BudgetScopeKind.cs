namespace LensAI.Budgets;

/// <summary>What a budget entry covers.</summary>
internal enum BudgetScopeKind : byte
{
    Project,
    User,
    Route,
    Model,
    Metadata,
}
