using System.CommandLine;
using System.Text.RegularExpressions;
using DuckDB.NET.Data;
using LensAI.Backend.DuckDb;
using LensAI.Backend.Parquet;
using LensAI.Backend.Rollups;
using LensAI.Cli.Rendering;

namespace LensAI.Cli.Commands;

/// <summary>
/// <c>query</c>: SQL (DuckDB) over a project's Parquet, where <c>events</c> is a view of its deduplicated events and
/// <c>rollups</c> of its hourly and daily rollups (stored ones where current, computed from events elsewhere).
/// </summary>
internal static partial class QueryCommand
{
    public static Command Create(CliContext context)
    {
        var project = CommonOptions.Project();
        var sql = new Argument<string>("sql") { Description = "The SQL: 'events' is the project's deduplicated events, 'rollups' its rollups (grain, bucket, dimension, key, requests, cost_usd, latency_p50…)." };
        var since = CommonOptions.Time("--since", "Only events from this time (reads only the days needed)", context.Time);
        var until = CommonOptions.Time("--until", "Only events before this time", context.Time);
        var format = new Option<string>("--format", "-f")
        {
            Description = "table (default), csv (header row, RFC 4180 quoting) or json (an array of row objects).",
            DefaultValueFactory = _ => "table",
            HelpName = "table|csv|json",
        };
        format.AcceptOnlyFromAmong("table", "csv", "json");
        var maxRows = new Option<int>("--max-rows") { Description = "Most rows drawn in the table (csv and json print all).", DefaultValueFactory = _ => 1000, HelpName = "n" };
        var command = new Command("query", "Run SQL over a project's events with DuckDB: a table, CSV or JSON.") { project, sql, since, until, format, maxRows };
        context.SetBackendAction(command, async (parse, backend, ct) =>
        {
            var id = parse.GetRequiredValue(project);
            var text = parse.GetRequiredValue(sql);
            var from = parse.GetValue(since);
            var to = parse.GetValue(until);
            if (from is { } f && to is { } t && t <= f)
            {
                throw new UsageException($"--since ({Format.Instant(f)}) must be before --until ({Format.Instant(t)}).");
            }

            await backend.EnsureProjectAsync(id, ct).ConfigureAwait(false);
            var fromDay = from is { } a ? DateOnly.FromDateTime(a.UtcDateTime) : DateOnly.MinValue;
            var toDay = to is { } b ? DateOnly.FromDateTime(b.UtcDateTime) : DateOnly.MaxValue;
            switch (parse.GetValue(format))
            {
                case "csv":
                    await RunAsync(backend, id, text, fromDay, toDay, from, to, c => QueryTable.StreamCsv(c, text, context.OutWriter), ct).ConfigureAwait(false);
                    break;
                case "json":
                    await RunAsync(backend, id, text, fromDay, toDay, from, to, c => QueryTable.StreamJson(c, text, context.OutWriter), ct).ConfigureAwait(false);
                    break;
                default:
                    var table = await RunAsync(backend, id, text, fromDay, toDay, from, to, c => QueryTable.Run(c, text), ct).ConfigureAwait(false);
                    table.WriteTable(context.Out, Math.Max(1, parse.GetValue(maxRows)));
                    break;
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>
    /// Opens the views (<c>events</c>, and <c>rollups</c> when the SQL names them) and hands the connection to
    /// <paramref name="consume"/>; retried when compaction replaced parts between listing and reading (DuckDB
    /// materializes the result before the first row is consumed, so a retry never repeats output). A view takes no
    /// parameters, so the part paths and the --since/--until instants reach it as the connection's variables
    /// (<c>SET VARIABLE … = $value</c>, bound), never as SQL text.
    /// </summary>
    private static async Task<T> RunAsync<T>(BackendSession backend, string project, string sql, DateOnly fromDay, DateOnly toDay, DateTimeOffset? from, DateTimeOffset? to, Func<DuckDBConnection, T> consume, CancellationToken ct)
    {
        var events = backend.Get<EventStore>();
        var filters = new List<string>();
        if (from is not null)
        {
            filters.Add("ts >= getvariable('lensai_query_since')");
        }

        if (to is not null)
        {
            filters.Add("ts < getvariable('lensai_query_until')");
        }

        var where = filters.Count == 0 ? "" : " WHERE " + string.Join(" AND ", filters);
        for (var attempt = 1; ; attempt++)
        {
            var keys = await events.ListPartsAsync(project, fromDay, toDay, ct).ConfigureAwait(false);
            var paths = await events.LocalPathsAsync(keys, ct).ConfigureAwait(false);
            void OpenEvents(DuckDBConnection connection)
            {
                connection.Execute("SET VARIABLE lensai_query_files = $files::VARCHAR[]", EventStore.Files(paths));
                connection.Execute("SET VARIABLE lensai_query_since = $since::TIMESTAMPTZ", ("since", from));
                connection.Execute("SET VARIABLE lensai_query_until = $until::TIMESTAMPTZ", ("until", to));
                connection.Execute($"CREATE TEMP VIEW events AS SELECT * FROM {EventStore.DedupedRelation(paths, "getvariable('lensai_query_files')")}{where}");
            }

            try
            {
                if (!RollupsPattern().IsMatch(sql))
                {
                    using var connection = events.DuckDb.Open();
                    OpenEvents(connection);
                    return consume(connection);
                }

                // Rollups only when the SQL names them: finding which days' stored rollups are current reads storage.
                return await backend.Get<RollupReader>().QueryAsync(project, fromDay, toDay, (connection, rollup) =>
                {
                    OpenEvents(connection);
                    connection.Execute($"CREATE TEMP VIEW rollups AS SELECT * FROM {rollup}");
                    return consume(connection);
                }, ct).ConfigureAwait(false);
            }
            catch (DuckDBException ex) when (attempt < 3 && paths.Count > 0 && ex.Message.Contains("No files found", StringComparison.OrdinalIgnoreCase))
            {
                // Compaction replaced parts between listing and reading: list again.
            }
        }
    }

    [GeneratedRegex(@"\brollups\b", RegexOptions.IgnoreCase)]
    private static partial Regex RollupsPattern();
}
