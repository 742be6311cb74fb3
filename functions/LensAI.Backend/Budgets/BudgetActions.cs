namespace LensAI.Backend.Budgets;

/// <summary>Operator actions on a budget for the current period: an override window, or a raised limit. Audited.</summary>
internal sealed class BudgetActions(BudgetStore budgets, BudgetCheckJob check, TimeProvider time)
{
    /// <summary>Lets calls through over the limit until now + the budget's override window. Returns the new expiry.</summary>
    public Task<DateTimeOffset> OverrideAsync(string project, string budgetId, string? scopeValue, string actor, CancellationToken cancellationToken)
        => ApplyAsync(project, budgetId, scopeValue, actor, "override", (state, target) =>
        {
            state.OverrideUntil = time.GetUtcNow() + target.OverrideWindow;
            return (state.OverrideUntil.Value, $"override until {state.OverrideUntil:u}");
        }, cancellationToken);

    /// <summary>Raises the limit by <paramref name="percent"/> % for the current period. Returns the multiplier now in force.</summary>
    public async Task<decimal> RaiseAsync(string project, string budgetId, string? scopeValue, decimal percent, string actor, CancellationToken cancellationToken)
    {
        decimal multiplier = 1;
        await ApplyAsync(project, budgetId, scopeValue, actor, "raise", (state, target) =>
        {
            state.LimitMultiplier = decimal.Round(state.LimitMultiplier * (1 + (percent / 100m)), 6);
            multiplier = state.LimitMultiplier;
            state.Fired.RemoveAll(t => t >= 100); // a raised limit can be crossed (and alerted) again
            return (DateTimeOffset.MinValue, $"limit raised {percent} % to {target.AmountUsd * state.LimitMultiplier:0.00} USD");
        }, cancellationToken).ConfigureAwait(false);
        return multiplier;
    }

    /// <summary>
    /// Sets the limit for the current period to <paramref name="newLimitUsd"/> (idempotent: a replayed "Raise 10 %" click
    /// sets the same limit again rather than raising twice). Refused when <paramref name="periodStart"/> is not the
    /// current period (a click on an old alert).
    /// </summary>
    public async Task SetLimitAsync(string project, string budgetId, string? scopeValue, DateTimeOffset periodStart, decimal newLimitUsd, string actor, CancellationToken cancellationToken)
    {
        await ApplyAsync(project, budgetId, scopeValue, actor, "raise", (state, target) =>
        {
            if (state.PeriodStart != periodStart)
            {
                throw new InvalidOperationException("That alert was about an earlier period; the budget has reset since.");
            }

            state.LimitMultiplier = decimal.Round(newLimitUsd / target.AmountUsd, 6);
            state.Fired.RemoveAll(t => t >= 100);
            return (DateTimeOffset.MinValue, $"limit set to {newLimitUsd:0.00} USD for this period");
        }, cancellationToken).ConfigureAwait(false);
    }

    private async Task<DateTimeOffset> ApplyAsync(string project, string budgetId, string? scopeValue, string actor, string action, Func<BudgetScopeState, BudgetTarget, (DateTimeOffset, string)> change, CancellationToken cancellationToken)
    {
        var file = await budgets.GetBudgetsAsync(project, cancellationToken).ConfigureAwait(false)
            ?? throw new KeyNotFoundException($"Project '{project}' has no budgets.");
        var target = FindTarget(file, budgetId, scopeValue)
            ?? throw new KeyNotFoundException($"Project '{project}' has no budget '{budgetId}'{(scopeValue is null ? "" : " for " + scopeValue)}.");
        var zone = BudgetPeriods.FindZone(file.TimeZone) ?? TimeZoneInfo.Utc;
        var (start, _) = BudgetPeriods.Current(target.Period, zone, time.GetUtcNow());
        DateTimeOffset result;
        string detail;
        while (true)
        {
            var (state, etag) = await budgets.GetStateAsync(project, cancellationToken).ConfigureAwait(false);
            if (!state.Scopes.TryGetValue(target.StateKey, out var scope) || scope.PeriodStart != start)
            {
                scope = new BudgetScopeState { PeriodStart = start };
                state.Scopes[target.StateKey] = scope;
            }

            (result, detail) = change(scope, target);
            if (await budgets.TrySetStateAsync(project, state, etag, cancellationToken).ConfigureAwait(false) is not null)
            {
                break;
            }
        }

        await budgets.AuditAsync(project, actor, "budget." + action, $"{budgetId}{(scopeValue is null ? "" : " (" + scopeValue + ")")}: {detail}", cancellationToken).ConfigureAwait(false);
        await check.CheckProjectAsync(project, cancellationToken).ConfigureAwait(false); // the SDK sees the change on its next poll
        return result;
    }

    private static BudgetTarget? FindTarget(BudgetFile file, string budgetId, string? scopeValue)
    {
        if (file.Budgets.FirstOrDefault(b => b.Id == budgetId) is { } budget)
        {
            return BudgetTarget.From(budget);
        }

        if (budgetId.StartsWith("default-", StringComparison.Ordinal) && file.DefaultUserBudget?.Tiers.GetValueOrDefault(budgetId["default-".Length..]) is { } template && scopeValue is not null)
        {
            return new BudgetTarget(budgetId, "user", scopeValue, template.Period, template.AmountUsd, template.Thresholds, template.Action, template.OverrideWindow, false);
        }

        return null;
    }
}
