using DuckDB.NET.Data;
using LensAI.Backend.DuckDb;
using LensAI.Backend.Parquet;

namespace LensAI.Backend.Export;

/// <summary>
/// Writes one project's events for a time range as a single deduplicated Parquet or CSV file, with DuckDB.
/// The project is always the caller's own (from the API key). CSV is made safe to open in a spreadsheet
/// (<see cref="CsvSelect"/>).
/// </summary>
internal sealed class ExportService(EventStore events)
{
    /// <summary>The <c>COPY … TO</c> options of a CSV export: a header row, every cell quoted.</summary>
    public const string CsvCopyOptions = "FORMAT CSV, HEADER true, FORCE_QUOTE *";

    /// <summary>
    /// The SELECT that turns a relation of stored events into CSV rows a spreadsheet shows and never runs (OWASP's CSV
    /// injection advice): a text cell that begins with <c>=</c>, <c>+</c>, <c>-</c>, <c>@</c>, a tab or a carriage
    /// return gets a leading <c>'</c>, and every cell is quoted (<see cref="CsvCopyOptions"/>). Parquet keeps the values
    /// exactly as stored.
    /// </summary>
    public static string CsvSelect(string relation)
        => $"SELECT {string.Join(", ", EventSchema.Columns.Select(c => EventSchema.TextColumns.Contains(c) ? Neutralized(c) : c))} FROM {relation}";

    /// <summary>
    /// The same rule for one text cell written by other code (<c>lensai query --format csv</c>): a leading <c>'</c>
    /// when the text begins with <c>=</c>, <c>+</c>, <c>-</c>, <c>@</c>, a tab or a carriage return.
    /// </summary>
    public static string NeutralizeCsvCell(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length > 0 && FormulaStarts.Contains(text[0]) ? "'" + text : text;
    }

    private const string FormulaStarts = "=+-@\t\r";

    private static string Neutralized(string column)
        => $"CASE WHEN left({column}, 1) IN ('=', '+', '-', '@', chr(9), chr(13)) THEN '''' || {column} ELSE {column} END AS {column}";
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

        return await EventStore.RetryWhilePartsVanishAsync(async () =>
        {
            var output = Path.Combine(Path.GetTempPath(), $"lensai-export-{Guid.NewGuid():N}.{(format == ExportFormat.Csv ? "csv" : "parquet")}");
            try
            {
                return (output, await ExportOnceAsync(project, from, to, format, output, cancellationToken).ConfigureAwait(false));
            }
            catch (DuckDBException)
            {
                File.Delete(output); // nothing half-written is left behind, whether the read is tried again or not
                throw;
            }
        }).ConfigureAwait(false);
    }

    private async Task<int> ExportOnceAsync(string project, DateTimeOffset from, DateTimeOffset to, ExportFormat format, string output, CancellationToken cancellationToken)
    {
        var keys = await events.ListPartsAsync(project, DateOnly.FromDateTime(from.UtcDateTime), DateOnly.FromDateTime(to.UtcDateTime), cancellationToken).ConfigureAwait(false);
        var paths = await events.LocalPathsAsync(keys, cancellationToken).ConfigureAwait(false);
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
        if (format == ExportFormat.Csv)
        {
            select = CsvSelect($"({select})");
        }

        var options = format == ExportFormat.Csv ? CsvCopyOptions : "FORMAT PARQUET, COMPRESSION ZSTD";
        return connection.Execute($"COPY ({select}) TO $path ({options})", parameters);
    }
}
