using System.Diagnostics.CodeAnalysis;

namespace LensAI.Backend.Alerts;

/// <summary>
/// What a budget button carries in its <c>value</c> (compact JSON:
/// <c>{"v":1,"p":project,"b":budget,"sv":scope value,"s":period start,"l":limit,"a":alert id}</c>),
/// so the action handler finds the budget and acts idempotently: "Raise 10 %" sets the limit to
/// <see cref="LimitUsd"/> × 1.1 (a replayed click sets the same value again, it does not raise twice), and a click on
/// a message from an earlier period (<see cref="PeriodStart"/> no longer current) can be refused.
/// </summary>
/// <param name="Project">The project id.</param>
/// <param name="BudgetId">The budget id.</param>
/// <param name="ScopeValue">The scope's value (<c>alice</c>), which with a default per-user budget names the user; null for a project scope.</param>
/// <param name="PeriodStart">The start of the period the alert was about.</param>
/// <param name="LimitUsd">The limit the alert showed.</param>
/// <param name="AlertId">The alert's id, for the audit entry (dropped if the value would pass Slack's 2,000 characters).</param>
internal sealed record SlackActionValue(string Project, string BudgetId, string? ScopeValue, DateTimeOffset PeriodStart, decimal LimitUsd, string? AlertId = null)
{
    /// <summary>The limit "Raise 10 %" sets: <see cref="LimitUsd"/> × 1.1, to the cent.</summary>
    public decimal RaisedLimitUsd => Math.Round(LimitUsd * SlackMessages.RaiseFactor, 2, MidpointRounding.AwayFromZero);

    /// <summary>The compact JSON put in the button's <c>value</c>.</summary>
    public string ToJson() => SlackMessages.WriteActionValue(this);

    /// <summary>Reads a button's <c>value</c>; false when it is not one of ours (or is malformed).</summary>
    public static bool TryParse(string? value, [NotNullWhen(true)] out SlackActionValue? result)
    {
        result = null;
        return !string.IsNullOrWhiteSpace(value) && value.Length <= 4000 && SlackMessages.TryReadActionValue(value, out result);
    }
}
