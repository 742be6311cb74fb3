using System.Text.Json.Serialization;
using LensAI.Budgets;

namespace LensAI.Backend.Budgets;

/// <summary>One budget: a scope, a calendar period, an amount, alert thresholds and what happens at 100 %.</summary>
internal sealed class BudgetDefinition
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

    /// <summary>
    /// The channels this budget's alerts go to, among those configured (<c>slack</c>, <c>webhook</c>, <c>email</c>);
    /// null or absent: every configured channel.
    /// </summary>
    [JsonPropertyName("channels")]
    public List<string>? Channels { get; set; }

    /// <summary>Who gets this budget's alerts by e-mail; null or absent: <c>LensAI:Backend:Alerts:Email:To</c>.</summary>
    [JsonPropertyName("email_to")]
    public List<string>? EmailTo { get; set; }

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

        AlertChannels.ValidateInto(at, Channels, EmailTo, errors);
    }
}
