using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using LensAI.Budgets;

namespace LensAI.Backend.Budgets;

/// <summary>
/// A project's budgets (<c>_system/budgets/&lt;project&gt;.json</c>): named budgets over a scope, plus an optional
/// default per-user budget by tier for every user who has no budget of their own.
/// </summary>
public sealed class BudgetFile
{
    /// <summary>IANA time zone the periods are calendar-aligned in (e.g. <c>Europe/Berlin</c>). Default UTC.</summary>
    [JsonPropertyName("time_zone")]
    public string TimeZone { get; set; } = "UTC";

    [JsonPropertyName("budgets")]
    public List<BudgetDefinition> Budgets { get; set; } = [];

    [JsonPropertyName("default_user_budget")]
    public DefaultUserBudget? DefaultUserBudget { get; set; }

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

            if (!d.Tiers.ContainsKey(d.DefaultTier))
            {
                errors.Add(("/default_user_budget/default_tier", $"'{d.DefaultTier}' is not one of the tiers."));
            }
        }

        return errors;
    }
}

/// <summary>One budget: a scope, a calendar period, an amount, alert thresholds and what happens at 100 %.</summary>
public sealed class BudgetDefinition
{
    [JsonPropertyName("id")]
    public string Id { get; set; } = "";

    /// <summary><c>project</c>, <c>user</c>, <c>route</c>, <c>model</c> or <c>metadata</c>.</summary>
    [JsonPropertyName("scope")]
    public string Scope { get; set; } = "project";

    /// <summary>The user id, route, model, or <c>key=value</c> for metadata; none for the project.</summary>
    [JsonPropertyName("scope_value")]
    public string? ScopeValue { get; set; }

    /// <summary><c>daily</c>, <c>weekly</c> (Monday) or <c>monthly</c>.</summary>
    [JsonPropertyName("period")]
    public string Period { get; set; } = "monthly";

    [JsonPropertyName("amount_usd")]
    public decimal AmountUsd { get; set; }

    /// <summary>Percentages at which an alert fires once per period. Default 50, 75, 90, 100.</summary>
    [JsonPropertyName("thresholds")]
    public List<int> Thresholds { get; set; } = [50, 75, 90, 100];

    /// <summary><c>alert</c> (never blocks) or <c>block</c> (blocks at 100 %).</summary>
    [JsonPropertyName("action")]
    public string Action { get; set; } = "alert";

    /// <summary>How long an "Override" lets calls through over the limit. Default 1 hour.</summary>
    [JsonPropertyName("override_window")]
    public TimeSpan OverrideWindow { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Whether a forecast alert fires when the period-end projection crosses 100 %. Default true.</summary>
    [JsonPropertyName("forecast")]
    public bool Forecast { get; set; } = true;

    internal void ValidateInto(string at, List<(string, string)> errors, bool requireScopeValue)
    {
        if (Scope is null || !BudgetScopeNames.All.Contains(Scope))
        {
            errors.Add((at + "/scope", "must be project, user, route, model or metadata."));
        }
        else if (requireScopeValue && string.IsNullOrWhiteSpace(ScopeValue))
        {
            errors.Add((at + "/scope_value", $"is required for a {Scope} budget."));
        }
        else if (Scope == BudgetScopeNames.Metadata && (ScopeValue is null || ScopeValue.IndexOf('=', StringComparison.Ordinal) <= 0))
        {
            errors.Add((at + "/scope_value", "must be key=value for a metadata budget."));
        }

        if (!BudgetPeriods.IsPeriod(Period))
        {
            errors.Add((at + "/period", "must be daily, weekly or monthly."));
        }

        if (AmountUsd <= 0)
        {
            errors.Add((at + "/amount_usd", "must be positive."));
        }

        if (Thresholds.Count == 0 || Thresholds.Any(t => t is < 1 or > 1000))
        {
            errors.Add((at + "/thresholds", "must be percentages between 1 and 1000."));
        }

        if (Action is not ("alert" or "block"))
        {
            errors.Add((at + "/action", "must be alert or block."));
        }

        if (OverrideWindow <= TimeSpan.Zero || OverrideWindow > TimeSpan.FromDays(7))
        {
            errors.Add((at + "/override_window", "must be between 1 second and 7 days."));
        }
    }
}

/// <summary>A quota for every user without their own budget, chosen by the user's tier (a metadata key on their calls).</summary>
public sealed class DefaultUserBudget
{
    /// <summary>The metadata key holding the tier (default <c>tier</c>).</summary>
    [JsonPropertyName("tier_metadata_key")]
    public string TierMetadataKey { get; set; } = "tier";

    /// <summary>The tier of users whose calls carry none.</summary>
    [JsonPropertyName("default_tier")]
    public string DefaultTier { get; set; } = "free";

    /// <summary>Template per tier; null means no quota (e.g. enterprise).</summary>
    [JsonPropertyName("tiers")]
    public Dictionary<string, TierTemplate?> Tiers { get; set; } = new(StringComparer.Ordinal);
}

public sealed class TierTemplate
{
    [JsonPropertyName("amount_usd")]
    public decimal AmountUsd { get; set; }

    [JsonPropertyName("period")]
    public string Period { get; set; } = "monthly";

    [JsonPropertyName("action")]
    public string Action { get; set; } = "block";

    [JsonPropertyName("thresholds")]
    public List<int> Thresholds { get; set; } = [50, 75, 90, 100];

    [JsonPropertyName("override_window")]
    public TimeSpan OverrideWindow { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>Ready-made tier templates (free / pro / enterprise) for a default per-user budget.</summary>
public static class TierTemplates
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

[JsonSerializable(typeof(BudgetFile))]
[JsonSourceGenerationOptions(WriteIndented = true, ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true)]
internal sealed partial class BudgetJsonContext : JsonSerializerContext;
