using DuckDB.NET.Data;
using LensAI.Backend.DuckDb;
using LensAI.Backend.Parquet;

namespace LensAI.Backend.Rollups;

/// <summary>
/// Hourly rollup rows for a project and a range of days: the stored rollup for each day whose parts it still covers,
/// and the raw events rolled up on the fly for every other day (today, late arrivals, days not rolled up yet) —
/// so reports, the dashboard and the CLI's queries see everything ingested, fast (the budget check reads its own
/// incremental spend rollup: <see cref="SpendRollup"/>).
/// </summary>
public sealed class RollupReader(EventStore events)
{
    /// <summary>
    /// Runs <paramref name="query"/> with a connection and the name of a temporary view (<c>rollup</c>) holding the rows.
    /// The view reads its Parquet files from the connection's variables <c>lensai_rollup_files</c> and
    /// <c>lensai_rollup_event_files</c> (a view takes no parameters; the paths never enter the SQL text).
    /// </summary>
    /// <remarks>
    /// A part merged or compacted away between listing and reading makes DuckDB fail to open it: the whole read is
    /// listed and run again (<see cref="EventStore.MaxReadAttempts"/> times), so a report never fails or misses events
    /// because a background merge replaced the files it listed.
    /// </remarks>
    public Task<T> QueryAsync<T>(string project, DateOnly fromDay, DateOnly toDay, Func<DuckDBConnection, string, T> query, CancellationToken cancellationToken)
        => EventStore.RetryWhilePartsVanishAsync(() => QueryOnceAsync(project, fromDay, toDay, query, cancellationToken));

    private async Task<T> QueryOnceAsync<T>(string project, DateOnly fromDay, DateOnly toDay, Func<DuckDBConnection, string, T> query, CancellationToken cancellationToken)
    {
        var keys = await events.ListPartsAsync(project, fromDay, toDay, cancellationToken).ConfigureAwait(false);
        var byDay = keys.GroupBy(k => EventStore.DayOf(k)!.Value).ToDictionary(g => g.Key, g => g.ToList());
        var fresh = new List<string>();
        var stale = new List<string>();
        foreach (var (day, parts) in byDay)
        {
            var dayText = day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
            var covered = await RollupJob.ReadSignatureAsync(events.Store, project, dayText, cancellationToken).ConfigureAwait(false);
            if (covered == RollupJob.Signature(parts))
            {
                fresh.Add(RollupSchema.Key(project, dayText));
            }
            else
            {
                stale.AddRange(parts);
            }
        }

        var freshPaths = await events.LocalPathsAsync(fresh, cancellationToken).ConfigureAwait(false);
        var stalePaths = await events.LocalPathsAsync(stale, cancellationToken).ConfigureAwait(false);
        using var connection = events.DuckDb.Open();
        var sources = new List<string>();
        if (freshPaths.Count > 0)
        {
            connection.Execute("SET VARIABLE lensai_rollup_files = $files::VARCHAR[]", EventStore.Files(freshPaths));
            sources.Add("SELECT * FROM read_parquet(getvariable('lensai_rollup_files'), hive_partitioning = false)");
        }

        if (stalePaths.Count > 0)
        {
            // In a subquery: the rollup SELECT starts with WITH, which may not follow UNION ALL BY NAME.
            connection.Execute("SET VARIABLE lensai_rollup_event_files = $files::VARCHAR[]", EventStore.Files(stalePaths));
            sources.Add($"SELECT * FROM ({RollupSchema.RollupSelect(EventStore.DedupedRelation(stalePaths, "getvariable('lensai_rollup_event_files')"))})");
        }

        var relation = sources.Count == 0
            ? $"({RollupSchema.RollupSelect($"(SELECT * FROM (SELECT NULL::TIMESTAMPTZ AS ts, NULL::VARCHAR AS model, NULL::VARCHAR AS user_id, NULL::VARCHAR AS route, 0 AS tokens_in, 0 AS tokens_out, 0 AS tokens_cached_in, 0 AS tokens_cache_write, 0 AS tokens_reasoning, NULL::DECIMAL(18,9) AS cost_usd, false AS usage_estimated, NULL::VARCHAR AS status, 0 AS latency_ms, NULL::INTEGER AS ttft_ms) WHERE false)")})"
            : "(" + string.Join(" UNION ALL BY NAME ", sources) + ")";
        connection.Execute($"CREATE TEMP VIEW rollup AS SELECT * FROM {relation}");
        return query(connection, "rollup");
    }
}
