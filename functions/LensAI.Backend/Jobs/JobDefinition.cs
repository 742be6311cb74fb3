using Cronos;

namespace LensAI.Backend.Jobs;

/// <summary>
/// One timer job as <see cref="JobRegistry"/> declares it: its name (the timer function's name, the
/// <c>lensai jobs run</c> argument and the lease's name), its NCRONTAB schedule (six fields, seconds first, UTC: what
/// the Azure Functions timer and the in-process scheduler both follow), when that is in words, and what it does.
/// </summary>
public sealed record JobDefinition
{
    private readonly CronExpression _cron;

    internal JobDefinition(string name, string schedule, string when, string description)
    {
        Name = name;
        Schedule = schedule;
        When = when;
        Description = description;
        _cron = CronExpression.Parse(schedule, CronFormat.IncludeSeconds);
    }

    /// <summary>The job's name, e.g. <c>budget-check</c>.</summary>
    public string Name { get; }

    /// <summary>The NCRONTAB expression, e.g. <c>*/20 * * * * *</c>.</summary>
    public string Schedule { get; }

    /// <summary>The schedule in words, e.g. <c>every 20 s</c>.</summary>
    public string When { get; }

    /// <summary>What a run does.</summary>
    public string Description { get; }

    /// <summary>The first time the schedule fires strictly after <paramref name="after"/> (UTC).</summary>
    public DateTimeOffset NextAfter(DateTimeOffset after)
        => _cron.GetNextOccurrence(after, TimeZoneInfo.Utc) ?? throw new InvalidOperationException($"The schedule '{Schedule}' of {Name} never fires again.");
}
