namespace LensAI.Backend.Jobs;

/// <summary>One timer job: a timer function under the Functions host, a scheduled task in the embedded default.</summary>
public interface IBackendJob
{
    /// <summary>The function name (route and folder): <c>compaction</c>, <c>rollups</c>, <c>budget-check</c>, …</summary>
    string Name { get; }

    /// <summary>The NCRONTAB schedule (six fields, seconds first) written to the function's <c>function.json</c>.</summary>
    string Schedule { get; }

    /// <summary>How often the embedded scheduler runs it.</summary>
    TimeSpan Interval { get; }

    /// <summary>Runs once. Must be idempotent and safe to re-run after a crash at any point.</summary>
    Task<JobResult> RunAsync(CancellationToken cancellationToken);
}

/// <summary>What a run did, for logs and the custom-handler response.</summary>
public sealed record JobResult(string Summary, IReadOnlyList<string> Log)
{
    public static JobResult Of(string summary, params string[] log) => new(summary, log);
}
