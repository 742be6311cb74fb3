namespace LensAI.Backend.Alerts;

/// <summary>Why an alert is sent.</summary>
internal enum BudgetAlertKind
{
    /// <summary>Spend crossed one of the budget's thresholds (50/75/90/100 % by default).</summary>
    Threshold,

    /// <summary>The period-end projection crossed 100 % ("projected to exceed on …").</summary>
    Forecast,

    /// <summary>Calls the price catalogue could not price (reported, never counted as $0).</summary>
    Unpriced,
}
