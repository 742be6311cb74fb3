using LensAI.Backend.Jobs;
using Microsoft.Azure.Functions.Worker;

namespace LensAI.Functions;

/// <summary>
/// One timer function per job, named and scheduled from <see cref="JobRegistry"/> (the one place jobs are declared; the
/// schedules land in <c>functions.metadata</c>). Each runs the job through <see cref="JobRunner"/>, under the
/// same storage lease the embedded scheduler and the CLI take, so scaled-out instances never run a job twice at once.
/// </summary>
internal sealed class TimerFunctions(JobRunner jobs)
{
    [Function(JobRegistry.CompactionName)]
    public Task CompactionAsync([TimerTrigger(JobRegistry.CompactionSchedule)] TimerInfo timer, CancellationToken cancellationToken)
        => RunAsync(JobRegistry.Compaction, timer, cancellationToken);

    [Function(JobRegistry.RollupsName)]
    public Task RollupsAsync([TimerTrigger(JobRegistry.RollupsSchedule)] TimerInfo timer, CancellationToken cancellationToken)
        => RunAsync(JobRegistry.Rollups, timer, cancellationToken);

    [Function(JobRegistry.BudgetCheckName)]
    public Task BudgetCheckAsync([TimerTrigger(JobRegistry.BudgetCheckSchedule)] TimerInfo timer, CancellationToken cancellationToken)
        => RunAsync(JobRegistry.BudgetCheck, timer, cancellationToken);

    [Function(JobRegistry.RetentionName)]
    public Task RetentionAsync([TimerTrigger(JobRegistry.RetentionSchedule)] TimerInfo timer, CancellationToken cancellationToken)
        => RunAsync(JobRegistry.Retention, timer, cancellationToken);

    /// <summary>Without Stripe settings the job is not registered and this timer only logs that.</summary>
    [Function(JobRegistry.StripeSyncName)]
    public Task StripeSyncAsync([TimerTrigger(JobRegistry.StripeSyncSchedule)] TimerInfo timer, CancellationToken cancellationToken)
        => RunAsync(JobRegistry.StripeSync, timer, cancellationToken);

    /// <summary>Without e-mail settings the job only says so.</summary>
    [Function(JobRegistry.MonthlySummaryName)]
    public Task MonthlySummaryAsync([TimerTrigger(JobRegistry.MonthlySummarySchedule)] TimerInfo timer, CancellationToken cancellationToken)
        => RunAsync(JobRegistry.MonthlySummary, timer, cancellationToken);

    // The summary is logged by the runner; a timer function returns nothing (no output binding).
    private async Task RunAsync(JobDefinition job, TimerInfo timer, CancellationToken cancellationToken)
        => await jobs.RunFromTimerAsync(job.Name, timer.IsPastDue, cancellationToken).ConfigureAwait(false);
}
