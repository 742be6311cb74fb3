using LensAI.Backend.DuckDb;
using LensAI.Backend.Jobs;
using LensAI.Backend.Parquet;
using LensAI.Backend.Rollups;
using LensAI.Budgets;
using Microsoft.Extensions.Logging;

namespace LensAI.Backend.Budgets;

/// <summary>
/// Every minute (every 20 s in the embedded default): evaluates every project's budgets against its spend (rollups
/// plus the raw events since), persists the state machine with conditional writes, writes the kill-switch document
/// the SDK polls, and delivers pending alerts — an alert not delivered stays in the outbox for the next run.
/// </summary>
public sealed partial class BudgetCheckJob(BudgetStore budgets, RollupReader rollups, EventStore events, IAlertDispatcher dispatcher, TimeProvider time, ILogger<BudgetCheckJob> logger) : IBackendJob
{
    private const int MaxAttempts = 50;
    private const int SentHistory = 2000;

    public JobDefinition Definition => JobRegistry.BudgetCheck;

    public async Task<JobResult> RunAsync(CancellationToken cancellationToken)
    {
        var log = new List<string>();
        foreach (var project in await budgets.ProjectsWithBudgetsAsync(cancellationToken).ConfigureAwait(false))
        {
            log.AddRange(await CheckProjectAsync(project, cancellationToken).ConfigureAwait(false));
        }

        return new JobResult($"{log.Count} budget event(s)", log);
    }

    public async Task<IReadOnlyList<string>> CheckProjectAsync(string project, CancellationToken cancellationToken)
    {
        var file = await budgets.GetBudgetsAsync(project, cancellationToken).ConfigureAwait(false);
        if (file is null)
        {
            return [];
        }

        var now = time.GetUtcNow();
        var zone = BudgetPeriods.FindZone(file.TimeZone) ?? TimeZoneInfo.Utc;
        var spendByPeriod = new Dictionary<string, PeriodSpend>(StringComparer.Ordinal);
        foreach (var period in file.Budgets.Select(b => b.Period).Concat(file.DefaultUserBudget?.Tiers.Values.Where(t => t is not null).Select(t => t!.Period) ?? []).Distinct())
        {
            var (start, end) = BudgetPeriods.Current(period, zone, now);
            spendByPeriod[period] = await SpendAsync(project, file, start, end, cancellationToken).ConfigureAwait(false);
        }

        var log = new List<string>();
        BudgetEvaluation evaluation;
        while (true)
        {
            var (previous, etag) = await budgets.GetStateAsync(project, cancellationToken).ConfigureAwait(false);
            evaluation = BudgetEvaluator.Evaluate(project, file, p => spendByPeriod[p], previous, now);
            var known = previous.Outbox.Select(a => a.Alert.AlertId + "#" + a.Channel).Concat(previous.Sent).ToHashSet(StringComparer.Ordinal);
            foreach (var alert in evaluation.NewAlerts)
            {
                foreach (var channel in dispatcher.Channels.Where(c => !known.Contains(alert.AlertId + "#" + c)))
                {
                    evaluation.State.Outbox.Add(new PendingAlert { Alert = alert, Channel = channel });
                    log.Add($"{project}: {alert.Kind} alert {alert.AlertId} → {channel}");
                }
            }

            if (await budgets.TrySetStateAsync(project, evaluation.State, etag, cancellationToken).ConfigureAwait(false) is not null)
            {
                break;
            }

            // Another instance changed the state (an override, a concurrent check): evaluate again on its state.
        }

        await budgets.SetStatusAsync(evaluation.Status, cancellationToken).ConfigureAwait(false);
        await DeliverAsync(project, cancellationToken).ConfigureAwait(false);
        return log;
    }

    private readonly string _instance = Guid.NewGuid().ToString("N"); // this job instance (two can run in one process in tests)

    /// <summary>
    /// Sends due alerts from the outbox: first claims them with a conditional write (so a racing instance never sends
    /// the same one), then sends, then records the outcome with another conditional write.
    /// </summary>
    private async Task DeliverAsync(string project, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        List<PendingAlert> claimed;
        while (true)
        {
            var (state, etag) = await budgets.GetStateAsync(project, cancellationToken).ConfigureAwait(false);
            claimed = state.Outbox
                .Where(p => (p.NextAttemptAt is null || p.NextAttemptAt <= now) && (p.ClaimedBy is null || p.ClaimedUntil < now))
                .ToList();
            if (claimed.Count == 0)
            {
                return;
            }

            foreach (var pending in claimed)
            {
                pending.ClaimedBy = _instance;
                pending.ClaimedUntil = now + TimeSpan.FromMinutes(2);
            }

            if (await budgets.TrySetStateAsync(project, state, etag, cancellationToken).ConfigureAwait(false) is not null)
            {
                break;
            }
        }

        var results = new Dictionary<string, AlertDispatch>(StringComparer.Ordinal);
        foreach (var pending in claimed)
        {
            results[pending.Alert.AlertId + "#" + pending.Channel] = await dispatcher.DispatchAsync(pending.Alert, pending.Channel, cancellationToken).ConfigureAwait(false);
        }

        while (true)
        {
            var (current, etag) = await budgets.GetStateAsync(project, cancellationToken).ConfigureAwait(false);
            foreach (var pending in current.Outbox.ToList())
            {
                var id = pending.Alert.AlertId + "#" + pending.Channel;
                if (pending.ClaimedBy != _instance || !results.TryGetValue(id, out var result))
                {
                    continue;
                }

                pending.ClaimedBy = null;
                pending.ClaimedUntil = null;
                if (result.Outcome == AlertDispatchOutcome.Delivered)
                {
                    current.Outbox.Remove(pending);
                    current.Sent.Add(id);
                    continue;
                }

                pending.Attempts++;
                pending.LastError = result.Detail;
                pending.NextAttemptAt = now + TimeSpan.FromSeconds(Math.Min(3600, 15 * Math.Pow(2, Math.Min(pending.Attempts, 8))));
                if (pending.Attempts >= MaxAttempts)
                {
                    current.Outbox.Remove(pending);
                    current.Dead.Add(pending);
                    LogGaveUp(logger, pending.Alert.AlertId, pending.Attempts, result.Detail ?? "");
                }
            }

            if (current.Sent.Count > SentHistory)
            {
                current.Sent.RemoveRange(0, current.Sent.Count - SentHistory);
            }

            if (await budgets.TrySetStateAsync(project, current, etag, cancellationToken).ConfigureAwait(false) is not null)
            {
                return;
            }
        }
    }

    /// <summary>Spend of one period window: rollups (plus raw events not rolled up yet) by dimension, raw events for metadata scopes and tiers.</summary>
    internal async Task<PeriodSpend> SpendAsync(string project, BudgetFile file, DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken)
    {
        var fromDay = DateOnly.FromDateTime(start.UtcDateTime);
        var toDay = DateOnly.FromDateTime(end.UtcDateTime);
        var spend = await rollups.QueryAsync(project, fromDay, toDay, (connection, rollup) =>
        {
            var result = new PeriodSpend();
            var rows = connection.Query(
                $"""
                SELECT dimension, coalesce(key, ''), coalesce(CAST(sum(cost_usd) AS DECIMAL(38, 9)), 0), coalesce(CAST(sum(unpriced) AS BIGINT), 0),
                       coalesce(CAST(sum(estimated) AS BIGINT), 0)
                FROM {rollup}
                WHERE grain = 'hour' AND bucket >= $start AND bucket < $end
                GROUP BY ALL
                """,
                r => (Dimension: r.GetString(0), Key: r.GetString(1), Cost: r.GetDecimal(2), Unpriced: r.GetInt64(3), Estimated: r.GetInt64(4)),
                ("start", start),
                ("end", end));
            foreach (var (dimension, key, cost, unpriced, estimated) in rows)
            {
                var item = new ScopeSpend(cost, unpriced, unpriced > 0 && dimension == "model" ? [key] : null) { Estimated = estimated };
                switch (dimension)
                {
                    case "all":
                        result.ProjectCost = cost;
                        result.ProjectUnpriced = unpriced;
                        result.ProjectEstimated = estimated;
                        break;
                    case "model":
                        result.ByModel[key] = item;
                        break;
                    case "user":
                        result.ByUser[key] = item;
                        break;
                    case "route":
                        result.ByRoute[key] = item;
                        break;
                }
            }

            return result;
        }, cancellationToken).ConfigureAwait(false);

        var metadataScopes = file.Budgets.Where(b => b.Scope == BudgetScopeNames.Metadata && b.ScopeValue is not null).Select(b => b.ScopeValue!).Distinct().ToList();
        var tierKey = file.DefaultUserBudget?.TierMetadataKey;
        if (metadataScopes.Count > 0 || tierKey is not null)
        {
            await events.QueryAsync(project, fromDay, toDay, paths =>
            {
                if (paths.Count == 0)
                {
                    return 0;
                }

                using var connection = events.DuckDb.Open();
                var relation = EventStore.DedupedRelation(paths);
                foreach (var scope in metadataScopes)
                {
                    var eq = scope.IndexOf('=', StringComparison.Ordinal);
                    var (cost, unpriced) = connection.Query(
                        $"SELECT CAST(coalesce(sum(cost_usd), 0) AS DECIMAL(38, 9)), count(*) - count(cost_usd) FROM {relation} WHERE ts >= $start AND ts < $end AND metadata[$key] = $value",
                        r => (r.GetDecimal(0), r.GetInt64(1)),
                        EventStore.Files(paths),
                        ("start", start),
                        ("end", end),
                        ("key", scope[..eq]),
                        ("value", scope[(eq + 1)..])).Single();
                    spend.ByMetadata[scope] = new ScopeSpend(cost, unpriced);
                }

                if (tierKey is not null)
                {
                    var tiers = connection.Query(
                        $"SELECT user_id, arg_max(metadata[$key], ts) AS tier FROM {relation} WHERE ts >= $start AND ts < $end AND user_id IS NOT NULL GROUP BY user_id HAVING tier IS NOT NULL",
                        r => (User: r.GetString(0), Tier: r.GetString(1)),
                        EventStore.Files(paths),
                        ("start", start),
                        ("end", end),
                        ("key", tierKey));
                    foreach (var (user, tier) in tiers)
                    {
                        spend.UserTiers[user] = tier;
                    }
                }

                return 0;
            }, cancellationToken).ConfigureAwait(false);
        }

        return spend;
    }

    [LoggerMessage(1, LogLevel.Error, "Gave up delivering alert {AlertId} after {Attempts} attempts: {Detail}")]
    private static partial void LogGaveUp(ILogger logger, string alertId, int attempts, string detail);
}
