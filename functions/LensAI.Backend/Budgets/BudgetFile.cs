using System.Globalization;
using System.Text.Json.Serialization;

namespace LensAI.Backend.Budgets;

/// <summary>
/// A project's budgets (<c>_system/budgets/&lt;project&gt;.json</c>): named budgets over a scope, plus an optional
/// default per-user budget by tier for every user who has no budget of their own.
/// </summary>
internal sealed class BudgetFile
{
    /// <summary>IANA time zone the periods are calendar-aligned in (e.g. <c>Europe/Berlin</c>). Default UTC.</summary>
    [JsonPropertyName("time_zone")]
    public string TimeZone { get; set; } = "UTC";

    [JsonPropertyName("budgets")]
    public List<BudgetDefinition> Budgets { get; set; } = [];

    [JsonPropertyName("default_user_budget")]
    public DefaultUserBudget? DefaultUserBudget { get; set; }

    /// <summary>
    /// Users' tiers set by the billing system (the Stripe subscription webhook), by user id: they win over the tier a
    /// user's calls carry. Server-owned: a <c>PUT /v1/budgets</c> keeps the stored ones whatever it sends.
    /// </summary>
    [JsonPropertyName("user_tiers")]
    public Dictionary<string, AssignedTier>? UserTiers { get; set; }

    /// <summary>Returns every problem as (JSON pointer, message); empty when the file is valid.</summary>
    public List<(string Pointer, string Message)> Validate()
    {
        var errors = new List<(string, string)>();
        if (BudgetPeriods.FindZone(TimeZone) is null)
        {
            errors.Add(("/time_zone", $"'{TimeZone}' is not a known IANA time zone."));
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Budgets.Count; i++)
        {
            var b = Budgets[i];
            var at = "/budgets/" + i.ToString(CultureInfo.InvariantCulture);
            if (string.IsNullOrWhiteSpace(b.Id) || b.Id.Length > 64 || b.Id.Contains('|', StringComparison.Ordinal))
            {
                errors.Add((at + "/id", "must be 1–64 characters without '|'."));
            }
            else if (!ids.Add(b.Id))
            {
                errors.Add((at + "/id", $"'{b.Id}' is used twice."));
            }

            b.ValidateInto(at, errors, requireScopeValue: b.Scope != "project");
        }

        if (DefaultUserBudget is { } d)
        {
            if (d.Tiers.Count == 0)
            {
                errors.Add(("/default_user_budget/tiers", "needs at least one tier."));
            }

            foreach (var (tier, template) in d.Tiers)
            {
                if (template is null)
                {
                    continue; // a tier with no quota (e.g. enterprise)
                }

                var at = "/default_user_budget/tiers/" + tier;
                if (template.AmountUsd <= 0)
                {
                    errors.Add((at + "/amount_usd", "must be positive."));
                }

                if (!BudgetPeriods.IsPeriod(template.Period))
                {
                    errors.Add((at + "/period", "must be daily, weekly or monthly."));
                }

                if (template.Action is not ("alert" or "block"))
                {
                    errors.Add((at + "/action", "must be alert or block."));
                }
            }

            AlertChannels.ValidateInto("/default_user_budget", d.Channels, d.EmailTo, errors);
            if (!d.Tiers.ContainsKey(d.DefaultTier))
            {
                errors.Add(("/default_user_budget/default_tier", $"'{d.DefaultTier}' is not one of the tiers."));
            }
        }

        return errors;
    }
}
