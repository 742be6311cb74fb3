namespace LensAI.Backend.DuckDb;

/// <summary>Start-up settings of the backend's DuckDB database.</summary>
public sealed class DuckDbSettings
{
    /// <summary>Worker threads of the database (DuckDB's <c>threads</c>). Default: DuckDB's own (the processor count).</summary>
    public int? Threads { get; set; }

    /// <summary>DuckDB's <c>memory_limit</c>, e.g. <c>2GB</c>. Default: DuckDB's own (80 % of RAM).</summary>
    public string? MemoryLimit { get; set; }

    /// <summary>Where DuckDB spills what does not fit in memory (<c>temp_directory</c>). Default: DuckDB's own.</summary>
    public string? TempDirectory { get; set; }
}
