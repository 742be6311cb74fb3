namespace LensAI.Backend.Jobs;

/// <summary>What a run did, for logs and the CLI.</summary>
public sealed record JobResult(string Summary, IReadOnlyList<string> Log)
{
    public static JobResult Of(string summary, params string[] log) => new(summary, log);
}
