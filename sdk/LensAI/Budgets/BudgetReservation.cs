namespace LensAI.Budgets;

/// <summary>What the budget guard needs to know about a call before it is sent.</summary>
/// <param name="Provider">The provider (selects the price of the estimate).</param>
/// <param name="Model">The requested model, if known.</param>
/// <param name="Attribution">The call's user, route and metadata.</param>
/// <param name="InputTokens">Estimated input tokens (request body bytes / 4, or prompt characters / 4).</param>
/// <param name="MaxOutputTokens">The request's output cap, if it names one.</param>
internal readonly record struct BudgetRequest(string Provider, string? Model, Attribution Attribution, int InputTokens, int? MaxOutputTokens);

/// <summary>Why a call was (or would have been) stopped.</summary>
internal enum BudgetBlockReason : byte
{
    None,

    /// <summary>The backend marked the scope blocked (and no override is active).</summary>
    Flagged,

    /// <summary>The spend, the in-process spend and calls in flight, plus this call's estimate, exceed the limit.</summary>
    Projected,
}

/// <summary>The guard's answer for one call: allowed (with the reservation to release when its event is recorded) or blocked by an entry.</summary>
internal readonly struct BudgetDecision
{
    public BudgetDecision(BudgetReservation? reservation)
    {
        Reservation = reservation;
    }

    public BudgetDecision(BudgetEntry blockedBy, BudgetBlockReason reason, long committedNano, long estimateNano)
    {
        BlockedBy = blockedBy;
        Reason = reason;
        CommittedNano = committedNano;
        EstimateNano = estimateNano;
    }

    public BudgetReservation? Reservation { get; }

    public BudgetEntry? BlockedBy { get; }

    public BudgetBlockReason Reason { get; }

    /// <summary>Spend in the period as the guard saw it: the document's, the in-process spend since, and calls in flight.</summary>
    public long CommittedNano { get; }

    public long EstimateNano { get; }

    public bool IsBlocked => BlockedBy is not null;
}

/// <summary>
/// A call's estimated cost held against the budgets that apply to it while it is in flight. Released once, when its
/// event is recorded (its actual cost then counts instead), or when it expires. Guarded by the guard's lock.
/// </summary>
internal sealed class BudgetReservation
{
    private BudgetAccumulator? _a0;
    private BudgetAccumulator? _a1;
    private BudgetAccumulator? _a2;
    private BudgetAccumulator? _a3;
    private List<BudgetAccumulator>? _more;

    public BudgetReservation(long nano, long createdTicks)
    {
        Nano = nano;
        CreatedTicks = createdTicks;
    }

    public long Nano { get; }

    /// <summary>UTC ticks of the check that made it.</summary>
    public long CreatedTicks { get; }

    public bool Released { get; private set; }

    /// <summary>Links of the guard's list of reservations in flight (intrusive: adding and removing never allocate).</summary>
    internal BudgetReservation? Previous { get; set; }

    internal BudgetReservation? Next { get; set; }

    public void Hold(BudgetAccumulator accumulator)
    {
        accumulator.ReservedNano += Nano;
        if (_a0 is null)
        {
            _a0 = accumulator;
        }
        else if (_a1 is null)
        {
            _a1 = accumulator;
        }
        else if (_a2 is null)
        {
            _a2 = accumulator;
        }
        else if (_a3 is null)
        {
            _a3 = accumulator;
        }
        else
        {
            (_more ??= []).Add(accumulator);
        }
    }

    /// <summary>Gives the estimate back to every budget it was held against; idempotent.</summary>
    public void Release()
    {
        if (Released)
        {
            return;
        }

        Released = true;
        Give(_a0);
        Give(_a1);
        Give(_a2);
        Give(_a3);
        if (_more is not null)
        {
            foreach (var accumulator in _more)
            {
                Give(accumulator);
            }
        }
    }

    private void Give(BudgetAccumulator? accumulator)
    {
        if (accumulator is not null)
        {
            accumulator.ReservedNano = Math.Max(0, accumulator.ReservedNano - Nano);
        }
    }
}
