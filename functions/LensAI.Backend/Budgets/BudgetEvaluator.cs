using System.Globalization;
using LensAI.Budgets;

namespace LensAI.Backend.Budgets;

/// <summary>
/// Pure budget logic: given the budgets, the spend and the previous state, decides which alerts fire (once per
/// threshold per period; a forecast alert once per period; unpriced calls once per period), which scopes are blocked,
/// and the kill-switch document. A new period resets a budget's state.
/// </summary>
internal static class BudgetEvaluator
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

                var tier = file.UserTiers?.GetValueOrDefault(user)?.Tier ?? spend.UserTiers.GetValueOrDefault(user) ?? defaults.DefaultTier; // a billed tier wins
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
        var state = new BudgetStateFile { Outbox = [.. previous.Outbox], Sent = [.. previous.Sent], Dead = [.. previous.Dead] }; // previous is never changed (a check may keep it cached)
        var nextChange = DateTimeOffset.MaxValue;
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
            nextChange = Min(nextChange, end);
            if (overrideActive)
            {
                nextChange = Min(nextChange, s.OverrideUntil!.Value);
            }

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
                EstimatedCalls = scopeSpend.Estimated,
                Action = target.Action,
                Blocked = s.Blocked,
            };

            var crossed = target.Thresholds.Where(t => percent >= t && !s.Fired.Contains(t)).ToList();
            if (crossed.Count > 0)
            {
                s.Fired.AddRange(crossed);
                alerts.Add(Alert("threshold", crossed.Max())); // one alert for the highest newly crossed threshold
            }

            var forecastFrom = start + TimeSpan.FromTicks((end - start).Ticks / 20);
            if (target.Forecast && !s.ForecastFired && forecastFrom > now)
            {
                nextChange = Min(nextChange, forecastFrom); // the forecast starts then
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
        return new BudgetEvaluation(state, alerts, document) { NextChange = nextChange };
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static BudgetScopeState Clone(BudgetScopeState s) => new()
    {
        PeriodStart = s.PeriodStart,
        Fired = [.. s.Fired],
        ForecastFired = s.ForecastFired,
        UnpricedReported = s.UnpricedReported,
        OverrideUntil = s.OverrideUntil,
        LimitMultiplier = s.LimitMultiplier,
        Blocked = s.Blocked,
    };
}
