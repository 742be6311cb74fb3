namespace LensAI.Budgets;

/// <summary>The guard's answer for one call: allowed (with the reservation to release when its event is recorded) or blocked by an entry.</summary>
internal readonly struct BudgetDecision
{
    public BudgetDecision(BudgetReservation? reservation)
    {
        Reservation = reservation;
    }

    public BudgetDecision(BudgetEntry blockedBy, BudgetBlockReason reason, long committedNano, long estimateNano, string? unpricedModel = null)
    {
        BlockedBy = blockedBy;
        Reason = reason;
        CommittedNano = committedNano;
        EstimateNano = estimateNano;
        UnpricedModel = unpricedModel;
    }

    public BudgetReservation? Reservation { get; }

    public BudgetEntry? BlockedBy { get; }

    public BudgetBlockReason Reason { get; }

    /// <summary>Spend in the period as the guard saw it: the document's, the in-process spend since, and calls in flight.</summary>
    public long CommittedNano { get; }

    public long EstimateNano { get; }

    /// <summary>The call's model when the catalogue could not price it and the estimate used the fallback rates.</summary>
    public string? UnpricedModel { get; }

    public bool IsBlocked => BlockedBy is not null;
}
