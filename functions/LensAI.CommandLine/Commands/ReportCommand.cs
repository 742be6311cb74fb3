using System.CommandLine;
using System.Text.Json;
using LensAI.Backend.Reports;
using LensAI.Cli.Rendering;

namespace LensAI.Cli.Commands;

/// <summary>
/// <c>report</c>: a project's cost and latency for a range (the same <see cref="ReportService"/> as
/// <c>GET /v1/report</c> and the dashboard), as terminal tables, JSON, or one self-contained HTML file with charts.
/// </summary>
internal static class ReportCommand
{
    public static readonly string[] Dimensions = ["model", "user", "route"];

    public static Command Create(CliContext context)
    {
        var project = CommonOptions.Project();
        var since = CommonOptions.Time("--since", "Start of the range (default 7d), aligned down to the report's buckets", context.Time);
        var until = CommonOptions.Time("--until", "End of the range, exclusive (default now)", context.Time);
        var by = new Option<string>("--by") { Description = "The breakdown to show: model, user or route.", DefaultValueFactory = _ => "model", HelpName = "dimension" };
        by.AcceptOnlyFromAmong(Dimensions);
        var top = new Option<int>("--top") { Description = "Rows of the breakdown (1–100), the most expensive first.", DefaultValueFactory = _ => 10, HelpName = "n" };
        top.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 100)
            {
                r.AddError("--top must be between 1 and 100.");
            }
        });
        var html = new Option<string?>("--html") { Description = "Also write a self-contained HTML report (inline SVG charts, no script, no network) to this file.", HelpName = "file" };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON (the GET /v1/report document) instead of tables." };
        var command = new Command("report", "Cost, tokens and latency by model, user and route; budgets with forecast; unpriced calls.")
        {
            project, since, until, by, top, html, json,
        };
        context.SetBackendAction(command, async (parse, backend, ct) =>
        {
            var id = parse.GetRequiredValue(project);
            var (from, to) = CommonOptions.Range(parse.GetValue(since), parse.GetValue(until), TimeSpan.FromDays(7), TimeSpan.FromDays(366), context.Time.GetUtcNow());
            from = AlignToBuckets(from, to);
            await backend.EnsureProjectAsync(id, ct).ConfigureAwait(false);
            var report = await backend.Get<ReportService>().BuildAsync(id, from, to, parse.GetValue(top), ct).ConfigureAwait(false);
            if (parse.GetValue(html) is { Length: > 0 } path)
            {
                var full = context.FullPath(path);
                Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                await File.WriteAllTextAsync(full, HtmlReport.Render(report, context.Time.GetUtcNow()), ct).ConfigureAwait(false);
                context.Note($"Wrote {path} ({Format.Count(new FileInfo(full).Length / 1024)} KB).");
            }

            if (parse.GetValue(json))
            {
                var options = new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
                context.OutWriter.WriteLine(JsonSerializer.Serialize(report, new ReportJsonContext(options).ProjectReport));
                return ExitCodes.Ok;
            }

            ConsoleReport.Write(context.Out, report, parse.GetValue(by) ?? "model", parse.GetValue(top), backend.StorageDescription);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>
    /// The report counts whole buckets starting in the range (hours up to 2 days, UTC days beyond), so the start is
    /// aligned down to a bucket: "7d" covers all of the first day rather than silently dropping it.
    /// </summary>
    internal static DateTimeOffset AlignToBuckets(DateTimeOffset from, DateTimeOffset to)
    {
        var utc = from.ToUniversalTime();
        var hour = new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, TimeSpan.Zero);
        return to - hour > TimeSpan.FromDays(2) ? new DateTimeOffset(utc.Year, utc.Month, utc.Day, 0, 0, 0, TimeSpan.Zero) : hour;
    }
}
