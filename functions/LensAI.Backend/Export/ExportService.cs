using LensAI.Backend.DuckDb;
using LensAI.Backend.Parquet;

namespace LensAI.Backend.Export;

/// <summary>The file formats of <c>GET /v1/export</c>.</summary>
public enum ExportFormat
{
    /// <summary>ZSTD Parquet.</summary>
    Parquet,

    /// <summary>CSV with a header row.</summary>
    Csv,
}

/// <summary>
/// Writes one project's events for a time range as a single deduplicated Parquet or CSV file, with DuckDB.
/// The project is always the caller's own (from the API key).
/// </summary>
public sealed class ExportService(EventStore events)
{
    /// <summary>Longest range one export may cover.</summary>
    public static readonly TimeSpan MaxRange = TimeSpan.FromDays(366);

    /// <summary>Exports into a temporary file and returns its path; the caller deletes it.</summary>
    public async Task<(string Path, int Rows)> ExportAsync(string project, DateTimeOffset from, DateTimeOffset to, ExportFormat format, CancellationToken cancellationToken)
    {
        if (to <= from)
        {
            throw new ArgumentException("'to' must be after 'from'.");
        }

        if (to - from > MaxRange)
        {
            throw new ArgumentException($"An export covers at most {MaxRange.TotalDays:0} days; split the range.");
        }

        var keys = await events.ListPartsAsync(project, DateOnly.FromDateTime(from.UtcDateTime), DateOnly.FromDateTime(to.UtcDateTime), cancellationToken).ConfigureAwait(false);
        var paths = await events.LocalPathsAsync(keys, cancellationToken).ConfigureAwait(false);
        var output = Path.Combine(Path.GetTempPath(), $"lensai-export-{Guid.NewGuid():N}.{(format == ExportFormat.Csv ? "csv" : "parquet")}");
        using var connection = events.DuckDb.Open();
        const string Filter = "WHERE project_id = $project AND ts >= $from AND ts < $to";
        var select = paths.Count == 0
            ? $"SELECT {EventSchema.SelectStored} FROM (SELECT * FROM staging_empty)"
            : $"SELECT * FROM {EventStore.DedupedRelation(paths)} {Filter} ORDER BY ts, event_id";
        if (paths.Count == 0)
        {
            connection.Execute($"CREATE TEMP TABLE staging_empty ({EventSchema.StagingColumns})");
        }

        (string, object?)[] parameters = [EventStore.Files(paths), ("project", project), ("from", from), ("to", to), ("path", output)];
        var options = format == ExportFormat.Csv ? "FORMAT CSV, HEADER true" : "FORMAT PARQUET, COMPRESSION ZSTD";
        var rows = connection.Execute($"COPY ({select}) TO $path ({options})", parameters);
        return (output, rows);
    }
}
