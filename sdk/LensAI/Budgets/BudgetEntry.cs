namespace LensAI.Budgets;

/// <summary>One budget of the current status document, compiled for the hot path.</summary>
internal sealed class BudgetEntry
{
    public BudgetEntry(BudgetScopeStatus status, BudgetScopeKind kind, BudgetAccumulator accumulator)
    {
        Status = status;
        Kind = kind;
        Accumulator = accumulator;
        LimitNano = NanoUsd.From(status.LimitUsd);
        SpentNano = NanoUsd.From(status.SpentUsd);
        Enforces = string.Equals(status.Action, "block", StringComparison.OrdinalIgnoreCase);
        PeriodEndTicks = status.PeriodEnd.UtcTicks;
        OverrideUntilTicks = status.OverrideUntil?.UtcTicks ?? long.MinValue;
    }

    public BudgetScopeStatus Status { get; }

    public BudgetScopeKind Kind { get; }

    public BudgetAccumulator Accumulator { get; }

    /// <summary>The action is <c>block</c>: in-process spend and in-flight estimates are held against the limit.</summary>
    public bool Enforces { get; }

    public long LimitNano { get; }

    public long SpentNano { get; }

    public long PeriodEndTicks { get; }

    public long OverrideUntilTicks { get; }

    /// <summary>Spend recorded in this process since the document's <c>generated_at</c>. Guarded by the guard's lock.</summary>
    public long LocalNano;

    /// <summary>
    /// Whether the entry can stop a call at <paramref name="nowTicks"/> (UTC ticks): its period has not ended (a
    /// status whose period is over says nothing about the new one) and no override is active.
    /// </summary>
    public bool InForce(long nowTicks) => nowTicks < PeriodEndTicks && OverrideUntilTicks <= nowTicks;

    /// <summary>Whether spend recorded at <paramref name="nowTicks"/> belongs to this entry's period.</summary>
    public bool Counts(long nowTicks) => nowTicks < PeriodEndTicks;
}
