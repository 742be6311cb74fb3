namespace LensAI.Backend.Jobs;

/// <summary>One timer job: a timer function in the Azure Functions worker, a scheduled task in the embedded default.</summary>
public interface IBackendJob
{
    /// <summary>The name (see <see cref="JobNames"/>): <c>compaction</c>, <c>rollups</c>, <c>budget-check</c>, …; also its timer function's name.</summary>
    string Name { get; }

    /// <summary>The NCRONTAB schedule (six fields, seconds first) of its timer function, from <see cref="JobSchedules"/>.</summary>
    string Schedule { get; }

    /// <summary>How often the embedded scheduler runs it.</summary>
    TimeSpan Interval { get; }

    /// <summary>Runs once. Must be idempotent and safe to re-run after a crash at any point.</summary>
    Task<JobResult> RunAsync(CancellationToken cancellationToken);
}

/// <summary>What a run did, for logs and the CLI.</summary>
public sealed record JobResult(string Summary, IReadOnlyList<string> Log)
{
    public static JobResult Of(string summary, params string[] log) => new(summary, log);
}
