using System.Globalization;
using DuckDB.NET.Data;
using LensAI.Backend.DuckDb;
using LensAI.Backend.Storage;

namespace LensAI.Backend.Parquet;

/// <summary>
/// Finds the Parquet parts of a project for a range of days and makes them readable by DuckDB: local-folder parts
/// are read in place; S3/Blob parts are downloaded once into a local cache (parts are immutable, so a cached copy
/// of a key never goes stale). Reads always deduplicate by <c>event_id</c>.
/// </summary>
public sealed class EventStore
{
    private readonly IObjectStore _store;
    private readonly string _cacheDirectory;

    public EventStore(IObjectStore store, DuckDbConnectionFactory duckDb, string? cacheDirectory = null)
    {
        _store = store;
        DuckDb = duckDb;
        _cacheDirectory = cacheDirectory ?? Path.Combine(Path.GetTempPath(), "lensai-part-cache");
    }

    public IObjectStore Store => _store;

    /// <summary>The DuckDB database readers query the parts with.</summary>
    internal DuckDbConnectionFactory DuckDb { get; }

    /// <summary>The keys of every part of <paramref name="project"/> from <paramref name="fromDay"/> to <paramref name="toDay"/> (inclusive).</summary>
    public async Task<IReadOnlyList<string>> ListPartsAsync(string project, DateOnly fromDay, DateOnly toDay, CancellationToken cancellationToken)
    {
        var keys = new List<string>();
        await foreach (var o in _store.ListAsync($"events/project={project}/", cancellationToken).ConfigureAwait(false))
        {
            if (!o.Key.EndsWith(".parquet", StringComparison.Ordinal))
            {
                continue;
            }

            var day = DayOf(o.Key);
            if (day is { } d && d >= fromDay && d <= toDay)
            {
                keys.Add(o.Key);
            }
        }

        return keys;
    }

    /// <summary>Local file paths DuckDB can read for these keys (downloading remote parts into the cache).</summary>
    /// <exception cref="PartVanishedException">A key was gone (merged or compacted away since it was listed): list again.</exception>
    public async Task<IReadOnlyList<string>> LocalPathsAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        if (_store is LocalFolderStore local)
        {
            return keys.Select(local.PathOf).ToList();
        }

        var paths = new List<string>(keys.Count);
        foreach (var key in keys)
        {
            var path = Path.Combine(_cacheDirectory, _store.Kind, key.Replace('/', Path.DirectorySeparatorChar));
            if (!File.Exists(path))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                var temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
                if (!await _store.DownloadToFileAsync(key, temp, cancellationToken).ConfigureAwait(false))
                {
                    throw new PartVanishedException(key); // merged away between list and read: the merged file is in the next listing
                }

                File.Move(temp, path, overwrite: true);
            }

            paths.Add(path);
        }

        return paths;
    }

    /// <summary>
    /// Runs <paramref name="query"/> over a project's parts for a range of days, deduplicated. If compaction replaces
    /// parts between listing and reading (a listed part vanishes), it lists again and retries, so a reader never
    /// misses events that moved into a compacted file.
    /// </summary>
    public Task<T> QueryAsync<T>(string project, DateOnly fromDay, DateOnly toDay, Func<IReadOnlyList<string>, T> query, CancellationToken cancellationToken)
        => RetryWhilePartsVanishAsync(async () =>
        {
            var keys = await ListPartsAsync(project, fromDay, toDay, cancellationToken).ConfigureAwait(false);
            return query(await LocalPathsAsync(keys, cancellationToken).ConfigureAwait(false));
        });

    /// <summary>
    /// Runs <paramref name="read"/> — which must list the parts itself — again when a part it listed vanished before it
    /// was read (merged or compacted away: DuckDB cannot open it, or a remote download finds nothing), up to
    /// <see cref="MaxReadAttempts"/> times; the merged file is in the next listing.
    /// </summary>
    internal static async Task<T> RetryWhilePartsVanishAsync<T>(Func<Task<T>> read)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await read().ConfigureAwait(false);
            }
            catch (DuckDBException ex) when (attempt < MaxReadAttempts && IsVanishedPart(ex))
            {
                // A part was merged away while DuckDB opened it: list again.
            }
            catch (PartVanishedException) when (attempt < MaxReadAttempts)
            {
                // A remote part was merged away before it was fetched: list again.
            }
        }
    }

    /// <summary>How many times a reader lists a project's parts again when one vanished between listing and reading.</summary>
    internal const int MaxReadAttempts = 5;

    /// <summary>
    /// True when DuckDB failed because a listed part was gone by the time it opened it (compaction or the part merger
    /// replaced it): the reader lists again, and the merged file is in the new listing.
    /// </summary>
    private static bool IsVanishedPart(DuckDBException exception)
        => exception.Message.Contains("No files found", StringComparison.OrdinalIgnoreCase)
           || exception.Message.Contains("IO Error", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// A DuckDB relation over the parts with one row per <c>event_id</c> (the first ingested copy). The paths are not in
    /// the SQL: it reads the list <paramref name="files"/> names — by default the parameter <c>$files</c>, so bind
    /// <paramref name="paths"/> as <c>files</c> (<see cref="FilesParameter"/>); inside a view, which takes no parameters,
    /// pass e.g. <c>getvariable('…')</c> after a <c>SET VARIABLE … = $files</c>. With no paths it is an empty relation of
    /// the stored columns (<c>read_parquet</c> needs at least one file) and reads no parameter.
    /// </summary>
    public static string DedupedRelation(IReadOnlyCollection<string> paths, string files = "$" + FilesParameter)
        => paths.Count == 0
            ? $"(SELECT * FROM (SELECT {string.Join(", ", EventSchema.Columns.Select(c => "NULL AS " + c))}) WHERE false)"
            : $"(SELECT * EXCLUDE (lensai_rn) FROM (SELECT *, row_number() OVER (PARTITION BY event_id ORDER BY ingested_at) AS lensai_rn FROM (SELECT * FROM read_parquet({files}, union_by_name = true, hive_partitioning = false) UNION ALL BY NAME {TypedEmpty})) WHERE lensai_rn = 1)";

    /// <summary>
    /// No rows, one typed column per stored column: united by name with the parts, it gives every column of the current
    /// schema even when all the parts read were written before a column was added (<c>usage_estimated</c>): the
    /// missing column reads NULL instead of failing the query.
    /// </summary>
    internal static readonly string TypedEmpty =
        $"(SELECT {string.Join(", ", EventSchema.StoredColumns.Select(c => $"NULL::{c.Type} AS {c.Name}"))} WHERE false)";

    /// <summary>The parameter name <see cref="DedupedRelation"/> reads the part paths from by default.</summary>
    public const string FilesParameter = "files";

    /// <summary>The parameter binding <paramref name="paths"/> for <see cref="DedupedRelation"/> (a DuckDB <c>VARCHAR[]</c>).</summary>
    public static (string Name, object? Value) Files(IReadOnlyCollection<string> paths) => (FilesParameter, paths.ToList());

    internal static DateOnly? DayOf(string key)
    {
        const string Marker = "/dt=";
        var at = key.IndexOf(Marker, StringComparison.Ordinal);
        return at >= 0 && key.Length >= at + Marker.Length + 10
               && DateOnly.TryParseExact(key.AsSpan(at + Marker.Length, 10), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
            ? day
            : null;
    }
}
