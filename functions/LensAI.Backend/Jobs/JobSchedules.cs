namespace LensAI.Backend.Jobs;

/// <summary>
/// The job registry: every timer job's name and its NCRONTAB schedule (six fields, seconds first, UTC), in one place.
/// The jobs report them (<see cref="IBackendJob.Name"/>, <see cref="IBackendJob.Schedule"/>, shown by
/// <c>lensai jobs list</c>) and the Azure Functions worker's timer functions are declared with them
/// (<c>[Function(JobNames.Compaction)]</c>, <c>[TimerTrigger(JobSchedules.Compaction)]</c>), so the schedule in
/// <c>functions.metadata</c> is the one here. The embedded default's scheduler runs each job every
/// <see cref="IBackendJob.Interval"/>, the same period, aligned to the clock.
/// </summary>
public static class JobSchedules
{
    /// <summary>Hourly at :05.</summary>
    public const string Compaction = "0 5 * * * *";

    /// <summary>Hourly at :10 (after compaction).</summary>
    public const string Rollups = "0 10 * * * *";

    /// <summary>Every 20 seconds.</summary>
    public const string BudgetCheck = "*/20 * * * * *";

    /// <summary>Daily at 03:30.</summary>
    public const string Retention = "0 30 3 * * *";

    /// <summary>Hourly at :15.</summary>
    public const string StripeSync = "0 15 * * * *";
}

/// <summary>The timer jobs' names: the <c>lensai jobs run</c> argument, the lease name and the timer function's name.</summary>
public static class JobNames
{
    public const string Compaction = "compaction";

    public const string Rollups = "rollups";

    public const string BudgetCheck = "budget-check";

    public const string Retention = "retention";

    public const string StripeSync = "stripe-sync";
}
