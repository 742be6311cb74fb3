using LensAI.Backend.Ingest;
using LensAI.Backend.Parquet;
using LensAI.Backend.Storage;

namespace LensAI.Backend;

/// <summary>Options of the backend, bound from the configuration section <c>LensAI:Backend</c>.</summary>
public sealed class BackendOptions
{
    public const string SectionName = "LensAI:Backend";

    /// <summary>Object storage (default: a local folder, <c>.lensai/data</c> under the working directory).</summary>
    public ObjectStoreOptions Storage { get; set; } = new();

    /// <summary>Ingest limits.</summary>
    public IngestLimits Limits { get; set; } = new();

    /// <summary>The Parquet writer.</summary>
    public EventWriterOptions Writer { get; set; } = new();

    /// <summary>Redaction for projects that have no settings of their own.</summary>
    public RedactionOptions Redaction { get; set; } = new();

    /// <summary>Per-project settings, by project id.</summary>
    public Dictionary<string, ProjectSettings> Projects { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Requests per second each API key may make to <c>/v1</c>; bursts up to <see cref="RateLimitBurst"/>. Default 500.</summary>
    public int RateLimitPerSecond { get; set; } = 500;

    /// <summary>Burst size of the per-key rate limiter. Default 1,000.</summary>
    public int RateLimitBurst { get; set; } = 1000;

    /// <summary>The Retry-After answered with a 503 when storage fails. Default 5 s.</summary>
    public TimeSpan StorageRetryAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Local working folder (Parquet staging, part cache, job files, DuckDB's spill files). Default: system temp.</summary>
    public string? WorkDirectory { get; set; }

    /// <summary>
    /// Whether the ASP.NET Core app (the embedded default, the container) runs the timer jobs on its in-process
    /// scheduler, at their NCRONTAB schedules. The Azure Functions worker has no such scheduler, whatever the setting: its
    /// timer functions run the jobs on the same schedules. Default true.
    /// </summary>
    public bool RunScheduler { get; set; } = true;

    /// <summary>
    /// How long a timer job's storage lease lasts unless renewed. The instance running the job renews it every third of
    /// this; an instance that dies mid-run leaves a lease that another instance takes over at most this long after its
    /// last renewal. Default 30 s.
    /// </summary>
    public TimeSpan JobLeaseDuration { get; set; } = DefaultJobLeaseDuration;

    /// <summary>The default <see cref="JobLeaseDuration"/>: 30 s.</summary>
    internal static readonly TimeSpan DefaultJobLeaseDuration = TimeSpan.FromSeconds(30);

    /// <summary>DuckDB threads. Default: processor count.</summary>
    public int DuckDbThreads { get; set; } = Environment.ProcessorCount;

    public ProjectSettings SettingsFor(string project)
        => Projects.TryGetValue(project, out var settings) ? settings : new ProjectSettings { Redaction = Redaction };
}
