namespace LensAI.Budgets;

/// <summary>
/// Dollar amounts as whole nano-dollars (1e-9 USD, the contract's <c>decimal(18,9)</c> exactly), so the hot path adds
/// longs instead of decimals. Values are capped at one billion dollars, so sums of a few never overflow.
/// </summary>
internal static class NanoUsd
{
    public const long Max = 1_000_000_000L * 1_000_000_000L;

    public static long From(decimal usd)
    {
        if (usd <= 0)
        {
            return 0;
        }

        // Costs and limits have at most 9 decimals: the product is a whole number (truncating a finer fraction is moot).
        return usd >= 1_000_000_000m ? Max : (long)(usd * 1_000_000_000m);
    }

    public static decimal ToUsd(long nano) => nano / 1_000_000_000m;
}
