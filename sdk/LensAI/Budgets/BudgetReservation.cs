namespace LensAI.Budgets;

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
