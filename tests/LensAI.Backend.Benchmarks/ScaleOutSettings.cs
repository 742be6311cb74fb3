namespace LensAI.Backend.Benchmarks;

/// <summary>The shape of one scale-out run (<see cref="ScaleOutRun"/>): processes, load, kills, store.</summary>
public sealed record ScaleOutSettings
{
    /// <summary>Ingest processes: the server executable with its scheduler off.</summary>
    public int IngestInstances { get; init; } = 4;

    /// <summary>Job-runner processes (<see cref="ScaleOutJobHost"/>).</summary>
    public int JobInstances { get; init; } = 2;

    /// <summary>Projects under load; each has a budget whose four thresholds the run crosses.</summary>
    public int Projects { get; init; } = 4;

    public int BatchesPerProject { get; init; } = 100;

    public int EventsPerBatch { get; init; } = 500;

    /// <summary>Requests the load generator keeps in flight.</summary>
    public int Connections { get; init; } = 8;

    /// <summary><c>LensAI:Backend:JobLeaseDuration</c> of the job runners.</summary>
    public TimeSpan JobLease { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The job runners' budget-check timer.</summary>
    public int BudgetCheckMs { get; init; } = 500;

    /// <summary>The job runners' compaction and rollups timers.</summary>
    public int OtherJobsMs { get; init; } = 3000;

    /// <summary>Share of the batches acknowledged when one ingest process is killed.</summary>
    public double KillIngestAt { get; init; } = 0.3;

    /// <summary>Share of the batches acknowledged when the job runner holding a job lease is killed.</summary>
    public double KillJobsAt { get; init; } = 0.5;

    /// <summary>
    /// Whether the load generator stops sending new batches at <see cref="KillJobsAt"/> until a surviving job runner has
    /// taken the killed one's lease over (the smoke test: the kill then lands before any threshold is crossed).
    /// </summary>
    public bool PauseUntilTakeover { get; init; }

    /// <summary>Each project's total spend over its budget's limit: 1.25 crosses 50/75/90/100 % at 40/60/72/80 % of its events.</summary>
    public decimal SpendOverLimit { get; init; } = 1.25m;

    /// <summary>A name for the store in the output (<c>local</c>, <c>s3</c>).</summary>
    public string StoreName { get; init; } = "local";

    /// <summary>
    /// The store's <c>LensAI:Backend:Storage:…</c> settings, given to every process; empty: a local folder under the
    /// run's temp folder.
    /// </summary>
    public IReadOnlyDictionary<string, string> Storage { get; init; } = new Dictionary<string, string>();

    /// <summary>How long any one wait of the run may take (processes ready, alerts delivered) before it fails.</summary>
    public TimeSpan Deadline { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>Progress lines (the benchmark prints them).</summary>
    public Action<string>? Log { get; init; }
}
