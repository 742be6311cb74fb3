namespace LensAI.Backend.Budgets;

/// <summary>Ready-made tier templates (free / pro / enterprise) for a default per-user budget.</summary>
internal static class TierTemplates
{
    public static DefaultUserBudget Standard(decimal freeDailyUsd = 0.50m, decimal proMonthlyUsd = 20m) => new()
    {
        Tiers = new(StringComparer.Ordinal)
        {
            ["free"] = new TierTemplate { AmountUsd = freeDailyUsd, Period = "daily", Action = "block" },
            ["pro"] = new TierTemplate { AmountUsd = proMonthlyUsd, Period = "monthly", Action = "block" },
            ["enterprise"] = null,
        },
    };
}
