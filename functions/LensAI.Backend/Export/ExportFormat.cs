namespace LensAI.Backend.Export;

/// <summary>The file formats of <c>GET /v1/export</c>.</summary>
internal enum ExportFormat
{
    /// <summary>ZSTD Parquet.</summary>
    Parquet,

    /// <summary>CSV with a header row.</summary>
    Csv,
}
