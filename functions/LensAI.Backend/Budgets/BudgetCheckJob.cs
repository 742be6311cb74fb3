using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using LensAI.Backend.Jobs;
using LensAI.Backend.Parquet;
using LensAI.Backend.Rollups;
using LensAI.Budgets;
using Microsoft.Extensions.Logging;

namespace LensAI.Backend.Budgets;

/// <summary>
/// Every minute (every 20 s in the embedded default): evaluates every project's budgets against its spend (the
/// project's spend rollup up to its watermark plus the events ingested since: <see cref="SpendRollup"/>, so a check
/// costs what arrived since the last one, not the period's history), persists the state machine with conditional
/// writes, writes the kill-switch document the SDK polls, and delivers pending alerts — an alert not delivered stays in
/// the outbox for the next run.
/// <para>
/// Projects are checked independently, the longest-unchecked first, a few at a time: a project whose check is slow (a
/// flood of tiny batches, a slow store) holds one slot and is skipped by later runs until it finishes, while every
/// other project's check — and its kill-switch — goes on. A run waits at most <see cref="RunSlice"/> for its checks.
/// </para>
/// </summary>
internal sealed partial class BudgetCheckJob(BudgetStore budgets, EventStore events, IAlertDispatcher dispatcher, TimeProvider time, ILogger<BudgetCheckJob> logger) : IBackendJob
{
    private const int MaxAttempts = 50;
    private const int SentHistory = 2000;

    private readonly ConcurrentDictionary<string, Task<IReadOnlyList<string>>> _running = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _lastChecked = new(StringComparer.Ordinal);
    private readonly Channel<bool> _slots = Slots(Math.Max(4, 2 * Environment.ProcessorCount)); // a check mostly waits on storage
    private readonly ConcurrentDictionary<string, (string ETag, BudgetFile File)> _files = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (string ETag, BudgetStateFile State)> _states = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Outcome> _outcomes = new(StringComparer.Ordinal);
    private long _checks;

    public JobDefinition Definition => JobRegistry.BudgetCheck;

    /// <summary>The spend reader (internal: tests shorten its settle time).</summary>
    internal SpendRollup Spend { get; init; } = new(events);

    /// <summary>How long one run waits for its projects' checks (real time); checks still running go on in the background. Default 15 s.</summary>
    internal TimeSpan RunSlice { get; init; } = TimeSpan.FromSeconds(15);

    public async Task<JobResult> RunAsync(CancellationToken cancellationToken)
    {
        var projects = await budgets.ProjectsWithBudgetsAsync(cancellationToken).ConfigureAwait(false);
        var started = new List<(string Project, Task<IReadOnlyList<string>> Check)>();
        var skipped = 0;
        foreach (var project in projects.OrderBy(p => _lastChecked.GetValueOrDefault(p)))
        {
            if (_running.TryGetValue(project, out var previous) && !previous.IsCompleted)
            {
                skipped++; // its previous check is still running: it alone waits
                continue;
            }

            var check = _running[project] = CheckInSlotAsync(project, cancellationToken);
            started.Add((project, check));
        }

        try
        {
            await Task.WhenAll(started.Select(s => s.Check)).WaitAsync(RunSlice, TimeProvider.System, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The slow ones go on; their outcome is logged when they finish.
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            // One project's failure is logged by its own check and does not fail the others.
        }

        var log = new List<string>();
        var failed = 0;
        var pending = 0;
        foreach (var (_, check) in started)
        {
            if (check.IsCompletedSuccessfully)
            {
                log.AddRange(check.Result);
            }
            else if (check.IsCompleted)
            {
                failed++;
            }
            else
            {
                pending++;
            }
        }

        return new JobResult($"{log.Count} budget event(s); {started.Count - failed - pending} project(s) checked, {failed} failed, {pending} still running, {skipped} skipped (previous check running)", log);
    }

    /// <summary>Completes when every check started by a run has finished (for an orderly stop; failures are already logged).</summary>
    internal async Task WhenIdleAsync()
    {
        try
        {
            await Task.WhenAll(_running.Values).ConfigureAwait(false);
        }
        catch (Exception) when (_running.Values.All(t => t.IsCompleted))
        {
            // Each failure was logged by its check.
        }
    }

    private async Task<IReadOnlyList<string>> CheckInSlotAsync(string project, CancellationToken cancellationToken)
    {
        await Task.Yield();
        try
        {
            await _slots.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return await CheckProjectAsync(project, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _slots.Writer.TryWrite(true);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogCheckFailed(logger, project, ex);
            throw;
        }
        finally
        {
            _lastChecked[project] = Interlocked.Increment(ref _checks);
        }
    }

    private static Channel<bool> Slots(int count)
    {
        var slots = Channel.CreateBounded<bool>(count);
        for (var i = 0; i < count; i++)
        {
            slots.Writer.TryWrite(true);
        }

        return slots;
    }

    /// <summary>
    /// Checks one project. Writes only what changed: the state when a transition happened (a threshold, a block, an
    /// override, a new period, an alert to deliver), the kill-switch document when a figure in it changed (a block that
    /// starts or ends is written in this same check). When neither the budgets, the spend, the state nor the stored
    /// document changed since this instance's last check of the project, and no time-driven change is due (a period
    /// end, an override's expiry, a forecast's start), nothing is evaluated at all.
    /// </summary>
    public async Task<IReadOnlyList<string>> CheckProjectAsync(string project, CancellationToken cancellationToken)
    {
        var file = await BudgetsAsync(project, cancellationToken).ConfigureAwait(false);
        if (file is null)
        {
            _outcomes.TryRemove(project, out _);
            return [];
        }

        var now = time.GetUtcNow();
        var spendByPeriod = await Spend.SpendAsync(project, file, now, cancellationToken).ConfigureAwait(false);

        var log = new List<string>();
        BudgetEvaluation evaluation;
        while (true)
        {
            var (previous, etag, content) = await StateAsync(project, cancellationToken).ConfigureAwait(false);
            if (_outcomes.TryGetValue(project, out var last) && ReferenceEquals(last.File, file) && ReferenceEquals(last.Spend, spendByPeriod)
                && last.StateETag == etag && previous.Outbox.Count == 0 && now < last.NextChange
                && last.StatusETag == await budgets.StatusETagAsync(project, cancellationToken).ConfigureAwait(false))
            {
                return log; // the same inputs give the same outcome, already stored
            }

            evaluation = BudgetEvaluator.Evaluate(project, file, p => spendByPeriod[p], previous, now);
            var known = previous.Outbox.Select(a => a.Alert.AlertId + "#" + a.Channel).Concat(previous.Sent).ToHashSet(StringComparer.Ordinal);
            foreach (var alert in evaluation.NewAlerts)
            {
                foreach (var channel in AlertChannels.For(dispatcher.Channels, file, alert).Where(c => !known.Contains(alert.AlertId + "#" + c)))
                {
                    evaluation.State.Outbox.Add(new PendingAlert { Alert = alert, Channel = channel });
                    log.Add($"{project}: {alert.Kind} alert {alert.AlertId} → {channel}");
                }
            }

            var state = BudgetStore.SerializeState(evaluation.State);
            if (content is null || !state.AsSpan().SequenceEqual(content))
            {
                etag = await budgets.TrySetStateAsync(project, state, etag, cancellationToken).ConfigureAwait(false);
                if (etag is null)
                {
                    continue; // another instance changed the state (an override, a concurrent check): evaluate again on its state
                }

                _states[project] = (etag, evaluation.State);
            }

            var statusETag = await budgets.SetStatusIfChangedAsync(evaluation.Status, cancellationToken).ConfigureAwait(false);
            _outcomes[project] = new Outcome(file, spendByPeriod, etag, statusETag, evaluation.NextChange);
            break;
        }

        if (evaluation.State.Outbox.Count > 0) // nothing pending in the state just written: nothing to deliver (an instance that adds alerts delivers them)
        {
            await DeliverAsync(project, cancellationToken).ConfigureAwait(false);
        }

        return log;
    }

    /// <summary>The project's state as stored, parsed again only when it changed (1,000 budgets are ~100 KB of JSON); never modified by a check.</summary>
    private async Task<(BudgetStateFile State, string? ETag, byte[]? Content)> StateAsync(string project, CancellationToken cancellationToken)
    {
        var stored = await budgets.Store.GetAsync(BudgetStore.StateKey(project), cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            return (new BudgetStateFile(), null, null);
        }

        if (!_states.TryGetValue(project, out var cached) || cached.ETag != stored.ETag)
        {
            cached = (stored.ETag, JsonSerializer.Deserialize(stored.Content, BudgetStateJsonContext.Default.BudgetStateFile) ?? new BudgetStateFile());
            _states[project] = cached;
        }

        return (cached.State, stored.ETag, stored.Content);
    }

    /// <summary>What this instance's last check of a project evaluated (budgets and spend by reference: both are cached while unchanged) and stored.</summary>
    private sealed record Outcome(BudgetFile File, Dictionary<string, PeriodSpend> Spend, string? StateETag, string StatusETag, DateTimeOffset NextChange);

    /// <summary>The project's budgets, parsed again only when the stored file changed (a file of 1,000 budgets is ~100 KB of JSON).</summary>
    private async Task<BudgetFile?> BudgetsAsync(string project, CancellationToken cancellationToken)
    {
        var stored = await budgets.Store.GetAsync(BudgetStore.BudgetsKey(project), cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            _files.TryRemove(project, out _);
            return null;
        }

        if (_files.TryGetValue(project, out var cached) && cached.ETag == stored.ETag)
        {
            return cached.File;
        }

        var file = JsonSerializer.Deserialize(stored.Content, BudgetJsonContext.Default.BudgetFile);
        if (file is not null)
        {
            _files[project] = (stored.ETag, file);
        }

        return file;
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
                await budgets.Audit.AlertsSentAsync(project, claimed.Where(p => results[p.Alert.AlertId + "#" + p.Channel].Outcome == AlertDispatchOutcome.Delivered), cancellationToken).ConfigureAwait(false);
                return;
            }
        }
    }

    [LoggerMessage(1, LogLevel.Error, "Gave up delivering alert {AlertId} after {Attempts} attempts: {Detail}")]
    private static partial void LogGaveUp(ILogger logger, string alertId, int attempts, string detail);

    [LoggerMessage(2, LogLevel.Error, "The budget check of project {Project} failed; the next run retries it.")]
    private static partial void LogCheckFailed(ILogger logger, string project, Exception exception);
}
