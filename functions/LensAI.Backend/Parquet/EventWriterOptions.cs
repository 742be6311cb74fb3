namespace LensAI.Backend.Parquet;

/// <summary>Options of the Parquet writer.</summary>
public sealed class EventWriterOptions
{
    /// <summary>How long the writer gathers concurrent batches into one part file (group commit). Default 5 ms.</summary>
    public TimeSpan FlushWindow { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>Most events per part file. Default 100,000.</summary>
    public int MaxEventsPerPart { get; set; } = 100_000;

    /// <summary>Parts written at once (each with its own DuckDB connection). Default 2.</summary>
    public int Concurrency { get; set; } = 2;

    /// <summary>Longest a part upload may take before the batches in it fail with 503. Default 30 s.</summary>
    public TimeSpan StorageTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Where Parquet files are written before upload. Default: a folder under the system temp path.</summary>
    public string? TempDirectory { get; set; }

    /// <summary>Parts one instance writes into a (project, day) before it merges that partition's full size tiers in the background (0 = never; the hourly compaction still runs). Default 16.</summary>
    public int MergeAfterParts { get; set; } = 16;

    /// <summary>Parts of one size tier merged together, and the size ratio between tiers. Default 8.</summary>
    public int MergeFactor { get; set; } = 8;

    /// <summary>Parts smaller than this are the lowest size tier. Default 64 KiB.</summary>
    public long MergeBaseBytes { get; set; } = 64 * 1024;

    /// <summary>Parts larger than this are left to the hourly compaction. Default 512 MiB.</summary>
    public long MergeMaxBytes { get; set; } = 512L * 1024 * 1024;
}
