using System.Globalization;
using LensAI.Budgets;

namespace LensAI.Backend.Budgets;

/// <summary>Spend of one period window, by scope.</summary>
public sealed class PeriodSpend
{
    public decimal ProjectCost { get; set; }

    public long ProjectUnpriced { get; set; }

    public Dictionary<string, ScopeSpend> ByUser { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, ScopeSpend> ByRoute { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, ScopeSpend> ByModel { get; } = new(StringComparer.Ordinal);

    /// <summary>Keyed <c>key=value</c>, for metadata budgets.</summary>
    public Dictionary<string, ScopeSpend> ByMetadata { get; } = new(StringComparer.Ordinal);

    /// <summary>The latest tier of each user seen in the period (for the default per-user budget).</summary>
    public Dictionary<string, string> UserTiers { get; } = new(StringComparer.Ordinal);

    public ScopeSpend For(string scope, string? value) => scope switch
    {
        BudgetScopeNames.Project => new ScopeSpend(ProjectCost, ProjectUnpriced),
        BudgetScopeNames.User => ByUser.GetValueOrDefault(value ?? "", ScopeSpend.None),
        BudgetScopeNames.Route => ByRoute.GetValueOrDefault(value ?? "", ScopeSpend.None),
        BudgetScopeNames.Model => ModelSpend(value),
        BudgetScopeNames.Metadata => ByMetadata.GetValueOrDefault(value ?? "", ScopeSpend.None),
        _ => ScopeSpend.None,
    };

    /// <summary>A model budget covers its dated snapshots too (<c>gpt-4o</c> covers <c>gpt-4o-2024-08-06</c>).</summary>
    private ScopeSpend ModelSpend(string? model)
    {
        if (model is null)
        {
            return ScopeSpend.None;
        }

        decimal cost = 0;
        long unpriced = 0;
        var models = new List<string>();
        foreach (var (name, spend) in ByModel)
        {
            if (name.Equals(model, StringComparison.OrdinalIgnoreCase) || string.Equals(LensAI.Pricing.PriceCatalog.StripVersionSuffix(name.ToLowerInvariant()), model, StringComparison.OrdinalIgnoreCase))
            {
                cost += spend.Cost;
                unpriced += spend.Unpriced;
                models.AddRange(spend.UnpricedModels);
            }
        }

        return new ScopeSpend(cost, unpriced, models);
    }

    public static IReadOnlyList<NamedCost> Top(Dictionary<string, ScopeSpend> by, int count)
        => by.OrderByDescending(kv => kv.Value.Cost).Take(count).Select(kv => new NamedCost(kv.Key, kv.Value.Cost)).ToList();
}

/// <summary>Cost and unpriced calls of one scope in one period.</summary>
public sealed record ScopeSpend(decimal Cost, long Unpriced, IReadOnlyList<string>? Models = null)
{
    public static readonly ScopeSpend None = new(0m, 0);

    public IReadOnlyList<string> UnpricedModels => Models ?? [];
}

/// <summary>One budget applied to one scope value (a default per-user budget expands to one per user).</summary>
public sealed record BudgetTarget(string BudgetId, string Scope, string? ScopeValue, string Period, decimal AmountUsd, IReadOnlyList<int> Thresholds, string Action, TimeSpan OverrideWindow, bool Forecast)
{
    public string StateKey => BudgetId + "|" + ScopeValue;

    public static BudgetTarget From(BudgetDefinition b) => new(b.Id, b.Scope, b.ScopeValue, b.Period, b.AmountUsd, b.Thresholds.Order().ToList(), b.Action, b.OverrideWindow, b.Forecast);
}

/// <summary>The outcome of one budget check for a project.</summary>
public sealed record BudgetEvaluation(BudgetStateFile State, IReadOnlyList<BudgetAlertData> NewAlerts, BudgetStatusDocument Status);

/// <summary>
/// Pure budget logic: given the budgets, the spend and the previous state, decides which alerts fire (once per
/// threshold per period; a forecast alert once per period; unpriced calls once per period), which scopes are blocked,
/// and the kill-switch document. A new period resets a budget's state.
/// </summary>
public static class BudgetEvaluator
{
    /// <summary>Users of a default per-user budget below this share of their quota are left out of the status document.</summary>
    public const decimal WatchPercent = 50m;

    public static IEnumerable<BudgetTarget> Targets(BudgetFile file, Func<string, PeriodSpend> spendOf, TimeZoneInfo zone, DateTimeOffset now)
    {
        var explicitUsers = new HashSet<string>(file.Budgets.Where(b => b.Scope == "user" && b.ScopeValue is not null).Select(b => b.ScopeValue!), StringComparer.Ordinal);
        foreach (var b in file.Budgets)
        {
            yield return BudgetTarget.From(b);
        }

        if (file.DefaultUserBudget is not { } defaults)
        {
            yield break;
        }

        foreach (var (tierName, template) in defaults.Tiers)
        {
            if (template is null)
            {
                continue;
            }

            var spend = spendOf(template.Period);
            foreach (var user in spend.ByUser.Keys)
            {
                if (user.Length == 0 || explicitUsers.Contains(user))
                {
                    continue; // a user with a budget of their own is governed by it
                }

                var tier = spend.UserTiers.GetValueOrDefault(user) ?? defaults.DefaultTier;
                if (tier == tierName)
                {
                    yield return new BudgetTarget("default-" + tierName, "user", user, template.Period, template.AmountUsd, template.Thresholds.Order().ToList(), template.Action, template.OverrideWindow, Forecast: false);
                }
            }
        }
    }

    public static BudgetEvaluation Evaluate(string project, BudgetFile file, Func<string, PeriodSpend> spendOf, BudgetStateFile previous, DateTimeOffset now)
    {
        var zone = BudgetPeriods.FindZone(file.TimeZone) ?? TimeZoneInfo.Utc;
        var state = new BudgetStateFile { Outbox = previous.Outbox, Sent = previous.Sent, Dead = previous.Dead };
        var alerts = new List<BudgetAlertData>();
        var statuses = new List<BudgetScopeStatus>();
        foreach (var target in Targets(file, spendOf, zone, now))
        {
            var (start, end) = BudgetPeriods.Current(target.Period, zone, now);
            var spend = spendOf(target.Period);
            var scopeSpend = spend.For(target.Scope, target.ScopeValue);
            var s = previous.Scopes.TryGetValue(target.StateKey, out var old) && old.PeriodStart == start
                ? Clone(old)
                : new BudgetScopeState { PeriodStart = start };
            var limit = decimal.Round(target.AmountUsd * s.LimitMultiplier, 9);
            var spent = scopeSpend.Cost;
            var percent = limit == 0 ? 0 : decimal.Round(spent / limit * 100m, 2);
            var overrideActive = s.OverrideUntil is { } until && until > now;
            s.SpentUsd = spent;
            s.Blocked = target.Action == "block" && percent >= 100m && !overrideActive;

            BudgetAlertData Alert(string kind, int? threshold = null, decimal? forecast = null, DateTimeOffset? exceedAt = null) => new()
            {
                AlertId = string.Join('|', project, target.BudgetId, target.ScopeValue ?? "", start.ToString("yyyyMMddHHmm", CultureInfo.InvariantCulture), kind + (threshold is { } t ? t.ToString(CultureInfo.InvariantCulture) : "")),
                Project = project,
                BudgetId = target.BudgetId,
                Scope = target.Scope,
                ScopeValue = target.ScopeValue,
                Period = target.Period,
                PeriodStart = start,
                PeriodEnd = end,
                Kind = kind,
                ThresholdPercent = threshold,
                SpentUsd = spent,
                LimitUsd = limit,
                Percent = percent,
                ForecastUsd = forecast,
                ProjectedExceedAt = exceedAt,
                TopModels = PeriodSpend.Top(spend.ByModel, 3),
                TopUsers = target.Scope == "user" ? [] : PeriodSpend.Top(spend.ByUser, 3),
                UnpricedCalls = scopeSpend.Unpriced,
                UnpricedModels = scopeSpend.UnpricedModels,
                Action = target.Action,
                Blocked = s.Blocked,
            };

            var crossed = target.Thresholds.Where(t => percent >= t && !s.Fired.Contains(t)).ToList();
            if (crossed.Count > 0)
            {
                s.Fired.AddRange(crossed);
                alerts.Add(Alert("threshold", crossed.Max())); // one alert for the highest newly crossed threshold
            }

            if (target.Forecast && !s.ForecastFired && spent > 0 && spent < limit)
            {
                var elapsed = now - start;
                var length = end - start;
                if (elapsed > TimeSpan.Zero && elapsed.Ticks >= length.Ticks / 20)
                {
                    var projected = decimal.Round(spent * (decimal)(length.Ticks / (double)elapsed.Ticks), 9);
                    if (projected >= limit)
                    {
                        s.ForecastFired = true;
                        var exceedAt = start + TimeSpan.FromTicks((long)(elapsed.Ticks * (double)(limit / spent)));
                        alerts.Add(Alert("forecast", forecast: projected, exceedAt: exceedAt));
                    }
                }
            }

            if (scopeSpend.Unpriced > 0 && !s.UnpricedReported)
            {
                s.UnpricedReported = true;
                alerts.Add(Alert("unpriced"));
            }

            state.Scopes[target.StateKey] = s;
            if (target.BudgetId.StartsWith("default-", StringComparison.Ordinal) && percent < WatchPercent && !s.Blocked)
            {
                continue;
            }

            statuses.Add(new BudgetScopeStatus
            {
                BudgetId = target.BudgetId,
                Scope = target.Scope,
                ScopeValue = target.ScopeValue,
                Period = target.Period,
                PeriodStart = start,
                PeriodEnd = end,
                LimitUsd = limit,
                SpentUsd = spent,
                Action = target.Action,
                Blocked = s.Blocked,
                Reason = s.Blocked ? $"spent {spent:0.00} of {limit:0.00} USD ({percent:0.#} %) this {target.Period} period" : null,
                OverrideUntil = overrideActive ? s.OverrideUntil : null,
            });
        }

        var document = new BudgetStatusDocument { ProjectId = project, GeneratedAt = now, Budgets = statuses };
        return new BudgetEvaluation(state, alerts, document);
    }

    private static BudgetScopeState Clone(BudgetScopeState s) => new()
    {
        PeriodStart = s.PeriodStart,
        Fired = [.. s.Fired],
        ForecastFired = s.ForecastFired,
        UnpricedReported = s.UnpricedReported,
        OverrideUntil = s.OverrideUntil,
        LimitMultiplier = s.LimitMultiplier,
        Blocked = s.Blocked,
        SpentUsd = s.SpentUsd,
    };
}
