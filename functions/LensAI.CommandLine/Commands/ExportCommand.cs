using System.CommandLine;
using System.Globalization;
using DuckDB.NET.Data;
using LensAI.Backend.DuckDb;
using LensAI.Backend.Export;
using LensAI.Backend.Parquet;
using LensAI.Cli.Rendering;

namespace LensAI.Cli.Commands;

/// <summary>
/// <c>export</c>: one project's deduplicated events for a range into a folder, Hive-partitioned like the store
/// (<c>project=&lt;id&gt;/dt=&lt;yyyy-MM-dd&gt;/events.parquet</c>), one file per day, with a progress bar over the days.
/// </summary>
internal static class ExportCommand
{
    public const string DefaultFolder = "lensai-export";

    public static Command Create(CliContext context)
    {
        var project = CommonOptions.Project();
        var since = CommonOptions.Time("--since", "Start of the range (default 30d)", context.Time);
        var until = CommonOptions.Time("--until", "End of the range, exclusive (default now)", context.Time);
        var format = new Option<string>("--format")
        {
            Description = "parquet (ZSTD, the default) or csv (with a header row).",
            DefaultValueFactory = _ => "parquet",
            HelpName = "parquet|csv",
        };
        format.AcceptOnlyFromAmong("parquet", "csv");
        var output = new Option<string>("--out", "-o")
        {
            Description = $"The folder to write into (default {DefaultFolder}); a day already exported there is replaced.",
            DefaultValueFactory = _ => DefaultFolder,
            HelpName = "folder",
        };
        var command = new Command("export", "Export a project's events (deduplicated) into a folder, Hive-partitioned by day (project=<id>/dt=<day>/), as Parquet or CSV, with progress.")
        {
            project, since, until, format, output,
        };
        context.SetBackendAction(command, async (parse, backend, ct) =>
        {
            var id = parse.GetRequiredValue(project);
            var (start, end) = CommonOptions.Range(parse.GetValue(since), parse.GetValue(until), TimeSpan.FromDays(30), ExportService.MaxRange, context.Time.GetUtcNow());
            var csv = parse.GetValue(format) == "csv";
            var root = context.FullPath(parse.GetValue(output) ?? DefaultFolder);
            if (File.Exists(root))
            {
                throw new UsageException($"--out '{root}' is a file; export writes a folder (project=<id>/dt=<day>/…).");
            }

            await backend.EnsureProjectAsync(id, ct).ConfigureAwait(false);
            var events = backend.Get<EventStore>();
            var written = new List<(DateOnly Day, string Path, long Rows)>();
            var keys = await events.ListPartsAsync(id, DateOnly.FromDateTime(start.UtcDateTime), DateOnly.FromDateTime(end.UtcDateTime), ct).ConfigureAwait(false);
            var days = keys.GroupBy(EventStore.DayOf).Where(g => g.Key is not null).OrderBy(g => g.Key).ToList();
            await StepProgress.RunAsync(context, $"Exporting {Format.Count(keys.Count)} part(s) over {Format.Count(days.Count)} day(s)", days.Count, async progress =>
            {
                foreach (var day in days)
                {
                    var date = day.Key!.Value;
                    progress.Begin(string.Create(CultureInfo.InvariantCulture, $"dt={date:yyyy-MM-dd}: {day.Count()} part(s)"));
                    var result = await ExportDayAsync(events, id, date, [.. day], start, end, csv, root, ct).ConfigureAwait(false);
                    if (result.Rows > 0)
                    {
                        written.Add((date, result.Path, result.Rows));
                    }

                    progress.Done();
                }
            }).ConfigureAwait(false);

            var total = written.Sum(w => w.Rows);
            var bytes = written.Sum(w => new FileInfo(w.Path).Length);
            context.OutWriter.WriteLine(FormattableString.Invariant(
                $"Exported {Format.Count(total)} event(s) of '{id}' ({Format.Instant(start)} → {Format.Instant(end)}) to {root}: {Format.Count(written.Count)} day(s), {Format.Count(Math.Max(bytes > 0 ? 1 : 0, bytes / 1024))} KB of {(csv ? "CSV" : "Parquet")}."));
            foreach (var (day, path, rows) in written)
            {
                context.OutWriter.WriteLine(FormattableString.Invariant($"  {Path.GetRelativePath(root, path).Replace('\\', '/')}  {Format.Count(rows)} event(s)"));
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Writes one day's deduplicated events in the range to <c>project=&lt;id&gt;/dt=&lt;day&gt;/events.&lt;ext&gt;</c> (via a temp file and a rename).</summary>
    private static async Task<(string Path, long Rows)> ExportDayAsync(EventStore events, string project, DateOnly day, IReadOnlyList<string> keys, DateTimeOffset from, DateTimeOffset to, bool csv, string root, CancellationToken ct)
    {
        var folder = Path.Combine(root, $"project={project}", string.Create(CultureInfo.InvariantCulture, $"dt={day:yyyy-MM-dd}"));
        var path = Path.Combine(folder, csv ? "events.csv" : "events.parquet");
        for (var attempt = 1; ; attempt++)
        {
            var paths = await events.LocalPathsAsync(keys, ct).ConfigureAwait(false);
            try
            {
                using var connection = events.DuckDb.Open();
                connection.Execute(
                    $"""
                    CREATE TEMP TABLE export_day AS
                    SELECT * FROM {EventStore.DedupedRelation(paths)}
                    WHERE project_id = $project AND ts >= $from AND ts < $to
                    ORDER BY ts, event_id
                    """,
                    EventStore.Files(paths),
                    ("project", project),
                    ("from", from),
                    ("to", to));
                var rows = connection.ScalarInt64("SELECT count(*) FROM export_day");
                if (rows == 0)
                {
                    if (File.Exists(path))
                    {
                        File.Delete(path); // an earlier export of this day, now with nothing in the range: replaced by nothing
                    }

                    return (path, 0);
                }

                Directory.CreateDirectory(folder);
                var temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
                try
                {
                    connection.Execute(csv ? $"COPY ({ExportService.CsvSelect("export_day")}) TO $path ({ExportService.CsvCopyOptions})" : "COPY export_day TO $path (FORMAT PARQUET, COMPRESSION ZSTD)", ("path", temp));
                    File.Move(temp, path, overwrite: true);
                }
                finally
                {
                    File.Delete(temp);
                }

                return (path, rows);
            }
            catch (DuckDBException ex) when (attempt < 3 && ex.Message.Contains("No files found", StringComparison.OrdinalIgnoreCase))
            {
                // Compaction replaced this day's parts after they were listed: list the day again.
                keys = await events.ListPartsAsync(project, day, day, ct).ConfigureAwait(false);
            }
        }
    }
}
