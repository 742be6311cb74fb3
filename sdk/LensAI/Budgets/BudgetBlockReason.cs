namespace LensAI.Budgets;

/// <summary>Why a call was (or would have been) stopped.</summary>
internal enum BudgetBlockReason : byte
{
    None,

    /// <summary>The backend marked the scope blocked (and no override is active).</summary>
    Flagged,

    /// <summary>The spend, the in-process spend and calls in flight, plus this call's estimate, exceed the limit.</summary>
    Projected,
}
