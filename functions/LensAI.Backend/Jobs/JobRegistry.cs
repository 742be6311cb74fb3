namespace LensAI.Backend.Jobs;

/// <summary>
/// The job registry: every timer job's name, NCRONTAB schedule (six fields, seconds first, UTC) and purpose, declared
/// here once. Everything else reads it: the jobs (<see cref="IBackendJob.Definition"/>), <see cref="JobRunner"/> (which
/// refuses a job that is not here), the ASP.NET Core app's in-process scheduler (<see cref="JobScheduler"/>, which runs
/// each job at its schedule's occurrences), the Azure Functions worker's timer functions (attributes need constants:
/// <c>[Function(JobRegistry.CompactionName)]</c>, <c>[TimerTrigger(JobRegistry.CompactionSchedule)]</c>, so the names and
/// schedules are the constants below and the definitions are made of them), <c>lensai jobs list</c>, and the job table in
/// docs/deployment.md, which a test checks against it.
/// </summary>
internal static class JobRegistry
{
    /// <summary>Compaction's name.</summary>
    public const string CompactionName = "compaction";

    /// <summary>Hourly at :05.</summary>
    public const string CompactionSchedule = "0 5 * * * *";

    /// <summary>The rollups job's name.</summary>
    public const string RollupsName = "rollups";

    /// <summary>Hourly at :10 (after compaction).</summary>
    public const string RollupsSchedule = "0 10 * * * *";

    /// <summary>The budget check's name.</summary>
    public const string BudgetCheckName = "budget-check";

    /// <summary>Every 20 seconds.</summary>
    public const string BudgetCheckSchedule = "*/20 * * * * *";

    /// <summary>Retention's name.</summary>
    public const string RetentionName = "retention";

    /// <summary>Daily at 03:30 UTC.</summary>
    public const string RetentionSchedule = "0 30 3 * * *";

    /// <summary>The Stripe usage sync's name.</summary>
    public const string StripeSyncName = "stripe-sync";

    /// <summary>Hourly at :15.</summary>
    public const string StripeSyncSchedule = "0 15 * * * *";

    /// <summary>The monthly usage summary's name.</summary>
    public const string MonthlySummaryName = "monthly-summary";

    /// <summary>Daily at 06:00 UTC (the first run of a month sends last month's summaries; later runs only retry).</summary>
    public const string MonthlySummarySchedule = "0 0 6 * * *";

    /// <summary>Merges each (project, day)'s part files into one, duplicates removed.</summary>
    public static JobDefinition Compaction { get; } = new(CompactionName, CompactionSchedule, "hourly at :05",
        "merges each (project, day)'s part files into one sorted file, duplicates removed");

    /// <summary>Hourly and daily rollups per project.</summary>
    public static JobDefinition Rollups { get; } = new(RollupsName, RollupsSchedule, "hourly at :10",
        "rebuilds the hourly and daily rollups the report and dashboard read");

    /// <summary>Budgets against spend: alerts and the kill-switch.</summary>
    public static JobDefinition BudgetCheck { get; } = new(BudgetCheckName, BudgetCheckSchedule, "every 20 s",
        "checks every budget against its spend rollup plus what arrived since, sends threshold alerts, writes the kill-switch document");

    /// <summary>Deletes data past each project's retention.</summary>
    public static JobDefinition Retention { get; } = new(RetentionName, RetentionSchedule, "daily at 03:30 UTC",
        "deletes event partitions and rollups older than each project's retention");

    /// <summary>Usage pushed to Stripe meters (only when Stripe is configured).</summary>
    public static JobDefinition StripeSync { get; } = new(StripeSyncName, StripeSyncSchedule, "hourly at :15",
        "pushes per-customer usage to Stripe meter events (when LensAI:Backend:Stripe is configured)");

    /// <summary>Last month's usage summary by e-mail (only when e-mail is configured).</summary>
    public static JobDefinition MonthlySummary { get; } = new(MonthlySummaryName, MonthlySummarySchedule, "daily at 06:00 UTC",
        "e-mails last month's usage summary per project and per user budget with recipients, once each (when LensAI:Backend:Alerts:Email is configured)");

    /// <summary>Every job, in the order they are listed.</summary>
    public static IReadOnlyList<JobDefinition> All { get; } = [Compaction, Rollups, BudgetCheck, Retention, StripeSync, MonthlySummary];

    /// <summary>The job named <paramref name="name"/> (case-insensitive), or false.</summary>
    public static bool TryGet(string? name, out JobDefinition definition)
    {
        definition = All.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase))!;
        return definition is not null;
    }
}
