using System.Globalization;

namespace LensAI.Backend.Budgets;

/// <summary>
/// Operator actions on a budget for the current period: an override window, a raised limit, or a reset to the budget
/// as configured. What the Slack buttons, <c>lensai budgets override|raise|reset</c> and the admin endpoints do; each
/// appends an audit entry with the limit and override before and after, and the reason.
/// </summary>
internal sealed class BudgetActions(BudgetStore budgets, BudgetCheckJob check, TimeProvider time)
{
    /// <summary>Lets calls through over the limit until now + the budget's override window. Returns the new expiry.</summary>
    public async Task<DateTimeOffset> OverrideAsync(string project, string budgetId, string? scopeValue, string actor, CancellationToken cancellationToken)
        => (await OverrideCoreAsync(project, budgetId, scopeValue, actor, reason: null, cancellationToken).ConfigureAwait(false)).Until;

    /// <summary>Opens the override window, saying why; returns the audit entry written.</summary>
    internal async Task<AuditEntry> OverrideAsync(string project, string budgetId, string? scopeValue, string actor, string? reason, CancellationToken cancellationToken)
        => (await OverrideCoreAsync(project, budgetId, scopeValue, actor, reason, cancellationToken).ConfigureAwait(false)).Entry;

    private async Task<(DateTimeOffset Until, AuditEntry Entry)> OverrideCoreAsync(string project, string budgetId, string? scopeValue, string actor, string? reason, CancellationToken cancellationToken)
    {
        DateTimeOffset until = default;
        var entry = await ApplyAsync(project, budgetId, scopeValue, actor, "override", reason, (state, target) =>
        {
            until = time.GetUtcNow() + target.OverrideWindow;
            state.OverrideUntil = until;
            return $"override until {until:u}";
        }, cancellationToken).ConfigureAwait(false);
        return (until, entry);
    }

    /// <summary>Raises the limit by <paramref name="percent"/> % for the current period. Returns the multiplier now in force.</summary>
    public async Task<decimal> RaiseAsync(string project, string budgetId, string? scopeValue, decimal percent, string actor, CancellationToken cancellationToken)
        => (await RaiseCoreAsync(project, budgetId, scopeValue, percent, actor, reason: null, cancellationToken).ConfigureAwait(false)).Multiplier;

    /// <summary>Raises the limit by <paramref name="percent"/> %, saying why; returns the audit entry written.</summary>
    internal async Task<AuditEntry> RaiseAsync(string project, string budgetId, string? scopeValue, decimal percent, string actor, string? reason, CancellationToken cancellationToken)
        => (await RaiseCoreAsync(project, budgetId, scopeValue, percent, actor, reason, cancellationToken).ConfigureAwait(false)).Entry;

    private async Task<(decimal Multiplier, AuditEntry Entry)> RaiseCoreAsync(string project, string budgetId, string? scopeValue, decimal percent, string actor, string? reason, CancellationToken cancellationToken)
    {
        if (percent <= 0 || percent > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(percent), percent, "A raise is more than 0 and at most 1000 %.");
        }

        decimal multiplier = 1;
        var entry = await ApplyAsync(project, budgetId, scopeValue, actor, "raise", reason, (state, target) =>
        {
            state.LimitMultiplier = decimal.Round(state.LimitMultiplier * (1 + (percent / 100m)), 6);
            multiplier = state.LimitMultiplier;
            state.Fired.RemoveAll(t => t >= 100); // a raised limit can be crossed (and alerted) again
            return $"limit raised {percent.ToString(CultureInfo.InvariantCulture)} % to {(target.AmountUsd * state.LimitMultiplier).ToString("0.00", CultureInfo.InvariantCulture)} USD";
        }, cancellationToken).ConfigureAwait(false);
        return (multiplier, entry);
    }

    /// <summary>
    /// Sets the limit for the current period to <paramref name="newLimitUsd"/> (idempotent: a replayed "Raise 10 %" click
    /// sets the same limit again rather than raising twice). Refused when <paramref name="periodStart"/> is not the
    /// current period (a click on an old alert).
    /// </summary>
    public Task<AuditEntry> SetLimitAsync(string project, string budgetId, string? scopeValue, DateTimeOffset periodStart, decimal newLimitUsd, string actor, CancellationToken cancellationToken)
        => ApplyAsync(project, budgetId, scopeValue, actor, "raise", reason: null, (state, target) =>
        {
            if (state.PeriodStart != periodStart)
            {
                throw new InvalidOperationException("That alert was about an earlier period; the budget has reset since.");
            }

            return SetLimit(state, target, newLimitUsd);
        }, cancellationToken);

    /// <summary>Sets the limit for the current period to <paramref name="newLimitUsd"/> (more than 0).</summary>
    internal Task<AuditEntry> SetLimitAsync(string project, string budgetId, string? scopeValue, decimal newLimitUsd, string actor, string? reason, CancellationToken cancellationToken)
        => newLimitUsd <= 0
            ? throw new ArgumentOutOfRangeException(nameof(newLimitUsd), newLimitUsd, "A limit is more than 0 USD.")
            : ApplyAsync(project, budgetId, scopeValue, actor, "raise", reason, (state, target) => SetLimit(state, target, newLimitUsd), cancellationToken);

    /// <summary>Ends any override and raise of the current period: the budget applies as configured again.</summary>
    internal Task<AuditEntry> ResetAsync(string project, string budgetId, string? scopeValue, string actor, string? reason, CancellationToken cancellationToken)
        => ApplyAsync(project, budgetId, scopeValue, actor, "reset", reason, (state, target) =>
        {
            state.OverrideUntil = null;
            state.LimitMultiplier = 1m;
            return $"reset to {target.AmountUsd.ToString("0.00", CultureInfo.InvariantCulture)} USD, no override";
        }, cancellationToken);

    private static string SetLimit(BudgetScopeState state, BudgetTarget target, decimal newLimitUsd)
    {
        state.LimitMultiplier = decimal.Round(newLimitUsd / target.AmountUsd, 6);
        state.Fired.RemoveAll(t => t >= 100);
        return $"limit set to {newLimitUsd.ToString("0.00", CultureInfo.InvariantCulture)} USD for this period";
    }

    private async Task<AuditEntry> ApplyAsync(string project, string budgetId, string? scopeValue, string actor, string action, string? reason, Func<BudgetScopeState, BudgetTarget, string> change, CancellationToken cancellationToken)
    {
        var file = await budgets.GetBudgetsAsync(project, cancellationToken).ConfigureAwait(false)
            ?? throw new KeyNotFoundException($"Project '{project}' has no budgets.");
        var target = FindTarget(file, budgetId, scopeValue)
            ?? throw new KeyNotFoundException($"Project '{project}' has no budget '{budgetId}'{(scopeValue is null ? "" : " for " + scopeValue)}.");
        var zone = BudgetPeriods.FindZone(file.TimeZone) ?? TimeZoneInfo.Utc;
        var (start, _) = BudgetPeriods.Current(target.Period, zone, time.GetUtcNow());
        string detail;
        Dictionary<string, string?> before, after;
        while (true)
        {
            var (state, etag) = await budgets.GetStateAsync(project, cancellationToken).ConfigureAwait(false);
            if (!state.Scopes.TryGetValue(target.StateKey, out var scope) || scope.PeriodStart != start)
            {
                scope = new BudgetScopeState { PeriodStart = start };
                state.Scopes[target.StateKey] = scope;
            }

            before = Snapshot(scope, target);
            detail = change(scope, target);
            after = Snapshot(scope, target);
            if (await budgets.TrySetStateAsync(project, state, etag, cancellationToken).ConfigureAwait(false) is not null)
            {
                break;
            }
        }

        var name = $"{budgetId}{(scopeValue is null ? "" : " (" + scopeValue + ")")}";
        var entry = await budgets.Audit.AppendAsync(project, actor, "budget." + action, "budget:" + budgetId + (scopeValue is null ? "" : "/" + scopeValue),
            AuditLog.ToJson(before), AuditLog.ToJson(after), reason, cancellationToken, detail: $"{name}: {detail}").ConfigureAwait(false);
        await check.CheckProjectAsync(project, cancellationToken).ConfigureAwait(false); // the SDK sees the change on its next poll
        return entry;
    }

    /// <summary>What an action changes, for the audit log: the limit in force this period and the override's end.</summary>
    private Dictionary<string, string?> Snapshot(BudgetScopeState state, BudgetTarget target) => new()
    {
        ["period_start"] = state.PeriodStart.ToString("O", CultureInfo.InvariantCulture),
        ["limit_usd"] = (target.AmountUsd * state.LimitMultiplier).ToString("0.00####", CultureInfo.InvariantCulture),
        ["override_until"] = state.OverrideUntil is { } until && until > time.GetUtcNow() ? until.ToString("O", CultureInfo.InvariantCulture) : null,
    };

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
