using LensAI.Backend.Jobs;
using Microsoft.Azure.Functions.Worker;

namespace LensAI.Functions;

/// <summary>
/// One timer function per job, named after the job and scheduled from <see cref="JobSchedules"/> (the one place the
/// schedules live; they land in <c>functions.metadata</c>). Each runs the job through <see cref="JobRunner"/>, under the
/// same storage lease the embedded scheduler and the CLI take, so scaled-out instances never run a job twice at once.
/// </summary>
public sealed class TimerFunctions(JobRunner jobs)
{
    [Function(JobNames.Compaction)]
    public Task CompactionAsync([TimerTrigger(JobSchedules.Compaction)] TimerInfo timer, CancellationToken cancellationToken)
        => RunAsync(JobNames.Compaction, timer, cancellationToken);

    [Function(JobNames.Rollups)]
    public Task RollupsAsync([TimerTrigger(JobSchedules.Rollups)] TimerInfo timer, CancellationToken cancellationToken)
        => RunAsync(JobNames.Rollups, timer, cancellationToken);

    [Function(JobNames.BudgetCheck)]
    public Task BudgetCheckAsync([TimerTrigger(JobSchedules.BudgetCheck)] TimerInfo timer, CancellationToken cancellationToken)
        => RunAsync(JobNames.BudgetCheck, timer, cancellationToken);

    [Function(JobNames.Retention)]
    public Task RetentionAsync([TimerTrigger(JobSchedules.Retention)] TimerInfo timer, CancellationToken cancellationToken)
        => RunAsync(JobNames.Retention, timer, cancellationToken);

    /// <summary>Without Stripe settings the job is not registered and this timer only logs that.</summary>
    [Function(JobNames.StripeSync)]
    public Task StripeSyncAsync([TimerTrigger(JobSchedules.StripeSync)] TimerInfo timer, CancellationToken cancellationToken)
        => RunAsync(JobNames.StripeSync, timer, cancellationToken);

    // The summary is logged by the runner; a timer function returns nothing (no output binding).
    private async Task RunAsync(string job, TimerInfo timer, CancellationToken cancellationToken)
        => await jobs.RunFromTimerAsync(job, timer.IsPastDue, cancellationToken).ConfigureAwait(false);
}
