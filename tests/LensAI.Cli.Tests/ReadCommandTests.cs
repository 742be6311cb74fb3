using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using DuckDB.NET.Data;
using LensAI.Cli.Rendering;

namespace LensAI.Cli.Tests;

/// <summary>report, query and export over real ingested data, checked against DuckDB reading the Parquet directly.</summary>
public sealed class ReadCommandTests(SeededProject seeded) : IClassFixture<SeededProject>
{
    private DataFolder Folder => seeded.Folder;

    [Fact]
    public void The_expected_costs_come_from_the_catalogue_list_prices()
    {
        // Event 0 is gpt-4o: 1,000 tokens in (500 cached), 100 out at $2.50 / $1.25 cached / $10 per million.
        var first = seeded.Events[0];
        Assert.Equal(("gpt-4o-2024-08-06", 1000, 500, 100), (first.Model, first.TokensIn, first.TokensCachedIn, first.TokensOut));
        Assert.Equal(0.002875m, TestEvents.ExpectedCost(first));
        Assert.Null(TestEvents.ExpectedCost(seeded.Events.First(e => e.Model == TestEvents.UnpricedModel)));
    }

    [Fact]
    public async Task Report_table_totals_are_the_catalogue_costs_of_the_ingested_events()
    {
        var run = await Folder.RunAsync("report", "--project", SeededProject.Project, "--since", seeded.SinceArg, "--until", seeded.UntilArg);
        Assert.True(run.ExitCode == 0, run.ToString());
        var events = seeded.Events;
        var cost = events.Sum(e => TestEvents.ExpectedCost(e) ?? 0);
        Assert.True(cost > 0);

        Assert.Equal(SeededProject.Distinct, Number(run.Out, "Requests")); // the three re-sent events are counted once
        Assert.Equal(events.Sum(e => (long)e.TokensIn), Number(run.Out, "Tokens in"));
        Assert.Equal(events.Sum(e => (long)e.TokensOut), Number(run.Out, "Tokens out"));
        Assert.Equal(Format.Usd(cost), Cell(run.Out, "Cost \\(USD\\)"));
        Assert.Equal(events.Count(e => TestEvents.ExpectedCost(e) is null), Number(run.Out, "Unpriced calls"));
        Assert.Equal(events.Count(e => e.Status == UsageStatus.Error), Number(run.Out, "Errors"));
        var p50 = Milliseconds(run.Out, "Latency p50");
        var p95 = Milliseconds(run.Out, "Latency p95");
        Assert.InRange(p50, events.Min(e => e.LatencyMs), events.Max(e => e.LatencyMs));
        Assert.InRange(p95, p50, events.Max(e => e.LatencyMs));

        // The breakdown by model: one row per model with its requests and catalogue cost.
        Assert.Contains("By model", run.Out);
        foreach (var model in events.GroupBy(e => e.Model))
        {
            var row = Regex.Match(run.Out, $@"│ {Regex.Escape(model.Key)}\s+│\s+(\d+) │.*?│\s+(\S+) │\s+[\d.]+ % │");
            Assert.True(row.Success, $"no row for {model.Key} in:\n{run.Out}");
            Assert.Equal(model.Count().ToString(CultureInfo.InvariantCulture), row.Groups[1].Value);
            Assert.Equal(model.Key == TestEvents.UnpricedModel ? "unpriced" : Format.Usd(model.Sum(e => TestEvents.ExpectedCost(e)!.Value)), row.Groups[2].Value);
        }

        // Budgets, the unpriced warning and the terminal bar chart.
        Assert.Contains("monthly-total", run.Out);
        Assert.Contains("mini-daily", run.Out);
        Assert.Contains($"could not be priced (models: {TestEvents.UnpricedModel})", run.Out);

        // The terminal bar chart: the costliest model has the full-width bar, the others a proportional one, the unpriced none.
        var chart = run.Out[run.Out.IndexOf("Cost by model (USD)", StringComparison.Ordinal)..];
        int BarLength(string model) => Regex.Match(chart, $@"{Regex.Escape(model)}\s+(█*)").Groups[1].Length;
        var costs = events.GroupBy(e => e.Model).ToDictionary(g => g.Key, g => g.Sum(e => TestEvents.ExpectedCost(e) ?? 0));
        var top = costs.MaxBy(c => c.Value);
        var full = BarLength(top.Key);
        Assert.True(full >= 20, chart);
        foreach (var (model, value) in costs.Where(c => c.Key != top.Key))
        {
            Assert.InRange(BarLength(model), (int)Math.Floor((double)(value / top.Value) * full) - 1, (int)Math.Floor((double)(value / top.Value) * full));
        }

        Assert.Equal(0, BarLength(TestEvents.UnpricedModel));
    }

    [Fact]
    public async Task Report_json_by_model_equals_the_catalogue_costs_exactly()
    {
        var run = await Folder.RunAsync("report", "--project", SeededProject.Project, "--since", seeded.SinceArg, "--until", seeded.UntilArg, "--json");
        Assert.True(run.ExitCode == 0, run.ToString());
        using var report = JsonDocument.Parse(run.Out);
        var byModel = report.RootElement.GetProperty("by_model").EnumerateArray().ToDictionary(m => m.GetProperty("key").GetString()!);
        var models = seeded.Events.GroupBy(e => e.Model).ToList();
        Assert.Equal(3, models.Count);
        Assert.Equal(models.Count, byModel.Count);
        foreach (var model in models)
        {
            var row = byModel[model.Key];
            Assert.Equal(model.Count(), row.GetProperty("requests").GetInt64());
            Assert.Equal(model.Sum(e => TestEvents.ExpectedCost(e) ?? 0), row.GetProperty("cost_usd").GetDecimal());
            Assert.Equal(model.Sum(e => (long)e.TokensIn), row.GetProperty("tokens_in").GetInt64());
        }

        Assert.Equal([TestEvents.UnpricedModel], report.RootElement.GetProperty("unpriced_models").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Report_by_user_and_route_show_those_breakdowns()
    {
        var users = await Folder.RunAsync("report", "--project", SeededProject.Project, "--since", seeded.SinceArg, "--until", seeded.UntilArg, "--by", "user", "--top", "3");
        Assert.True(users.ExitCode == 0, users.ToString());
        Assert.Contains("By user (top 3)", users.Out);
        var routes = await Folder.RunAsync("report", "--project", SeededProject.Project, "--since", seeded.SinceArg, "--until", seeded.UntilArg, "--by", "route");
        Assert.Contains("POST /search", routes.Out);
        Assert.Contains("POST /chat", routes.Out);
    }

    [Fact]
    public async Task Report_html_is_one_file_of_svg_charts_whose_marks_carry_the_report_data()
    {
        var path = Folder.PathOf("out/report.html");
        var run = await Folder.RunAsync("report", "--project", SeededProject.Project, "--since", seeded.SinceArg, "--until", seeded.UntilArg, "--html", path, "--json");
        Assert.True(run.ExitCode == 0, run.ToString());
        using var json = JsonDocument.Parse(run.Out); // the same report the file was drawn from
        var report = json.RootElement;
        var html = await File.ReadAllTextAsync(path);

        Assert.Contains("<svg", html);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(" src=", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(" href=", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("url(", html, StringComparison.OrdinalIgnoreCase);

        // Cost over time by model: one stacked <rect> per (bucket, model) point, with its exact cost.
        var expectedCost = report.GetProperty("cost_over_time").EnumerateArray()
            .Select(p => (Iso(p.GetProperty("bucket").GetDateTimeOffset()), p.GetProperty("key").GetString()!, p.GetProperty("cost_usd").GetDecimal())).OrderBy(p => p).ToList();
        var drawnCost = Marks(html, "rect", "class=\"cost\"").Select(a => (a["data-bucket"], Decode(a["data-model"]), decimal.Parse(a["data-cost"], CultureInfo.InvariantCulture))).OrderBy(p => p).ToList();
        Assert.True(expectedCost.Count > 3, "the data spans several hourly buckets");
        Assert.Equal(expectedCost, drawnCost);

        // Top users and routes: one bar per row.
        foreach (var (chart, property) in new[] { ("models", "by_model"), ("users", "by_user"), ("routes", "by_route") })
        {
            var expected = report.GetProperty(property).EnumerateArray().Select(r => (r.GetProperty("key").GetString()!, r.GetProperty("cost_usd").GetDecimal())).OrderBy(p => p).ToList();
            var drawn = Marks(html, "rect", $"data-chart=\"{chart}\"").Select(a => (Decode(a["data-key"]), decimal.Parse(a["data-cost"], CultureInfo.InvariantCulture))).OrderBy(p => p).ToList();
            Assert.NotEmpty(expected);
            Assert.Equal(expected, drawn);

            // Sizes: the longest bar is the most expensive row, and every bar's length is proportional to its cost.
            var bars = Marks(html, "rect", $"data-chart=\"{chart}\"").Select(a => (Key: Decode(a["data-key"]), Cost: expected.Single(e => e.Item1 == Decode(a["data-key"])).Item2, Width: Px(a["width"]))).ToList();
            var longest = bars.MaxBy(b => b.Width);
            Assert.Equal(expected.MaxBy(e => e.Item2).Item2, longest.Cost);
            foreach (var bar in bars)
            {
                Assert.Equal((double)(bar.Cost / longest.Cost), bar.Width / longest.Width, 0.005);
            }
        }

        // Cost over time: each segment's height is its cost on one scale; the tallest stack is the costliest bucket.
        var segments = Marks(html, "rect", "class=\"cost\"").Select(a => (Bucket: a["data-bucket"], Cost: (double)decimal.Parse(a["data-cost"], CultureInfo.InvariantCulture), Height: Px(a["height"]))).ToList();
        var scale = segments.Where(s => s.Height >= 5).Select(s => s.Height / s.Cost).ToList();
        Assert.True(scale.Count > 3, "several segments tall enough to measure");
        Assert.All(scale, k => Assert.Equal(scale[0], k, 0.005 * scale[0]));
        var stacks = segments.GroupBy(s => s.Bucket).Select(g => (Bucket: g.Key, Cost: g.Sum(s => s.Cost), Height: g.Sum(s => s.Height))).ToList();
        Assert.Equal(stacks.MaxBy(s => s.Cost).Bucket, stacks.MaxBy(s => s.Height).Bucket);

        // Latency: a p50 and a p95 line, one point per bucket and percentile.
        Assert.Equal(2, Marks(html, "path", "class=\"line\"").Count);
        foreach (var series in new[] { "p50", "p95" })
        {
            var expected = report.GetProperty("latency_over_time").EnumerateArray().Where(p => p.GetProperty(series).ValueKind == JsonValueKind.Number)
                .Select(p => (Iso(p.GetProperty("bucket").GetDateTimeOffset()), p.GetProperty(series).GetDouble())).OrderBy(p => p).ToList();
            var drawn = Marks(html, "circle", $"data-series=\"{series}\"").Select(a => (a["data-bucket"], double.Parse(a["data-value"], CultureInfo.InvariantCulture))).OrderBy(p => p).ToList();
            Assert.NotEmpty(expected);
            Assert.Equal(expected, drawn);

            // Higher latency is drawn higher up (a smaller y), on one linear scale from the axis at the bottom.
            var points = Marks(html, "circle", $"data-series=\"{series}\"").Select(a => (Value: double.Parse(a["data-value"], CultureInfo.InvariantCulture), Y: Px(a["cy"]))).OrderBy(p => p.Value).ToList();
            for (var i = 1; i < points.Count; i++)
            {
                Assert.True(points[i].Value == points[i - 1].Value ? points[i].Y == points[i - 1].Y : points[i].Y < points[i - 1].Y, $"{series}: {points[i - 1]} then {points[i]}");
            }
        }

        // Budget gauges with the forecast.
        var budgets = report.GetProperty("budgets").EnumerateArray().ToList();
        Assert.Equal(2, budgets.Count);
        var arcs = Marks(html, "path", "class=\"gauge-value\"");
        var forecasts = Marks(html, "line", "class=\"gauge-forecast\"");
        Assert.Equal(budgets.Count, arcs.Count);
        foreach (var budget in budgets)
        {
            var id = budget.GetProperty("budget_id").GetString()!;
            var arc = arcs.Single(a => a["data-budget-id"] == id);
            Assert.Equal(budget.GetProperty("spent_usd").GetDecimal(), decimal.Parse(arc["data-spent"], CultureInfo.InvariantCulture));
            Assert.Equal(budget.GetProperty("limit_usd").GetDecimal(), decimal.Parse(arc["data-limit"], CultureInfo.InvariantCulture));
            Assert.Equal(budget.GetProperty("forecast_usd").GetDecimal(), decimal.Parse(forecasts.Single(f => f["data-budget-id"] == id)["data-forecast"], CultureInfo.InvariantCulture));
        }

        // Totals and the unpriced warning.
        var cost = Marks(html, "div", "data-metric=\"cost_usd\"").Single();
        Assert.Equal(report.GetProperty("totals").GetProperty("cost_usd").GetDecimal(), decimal.Parse(cost["data-value"], CultureInfo.InvariantCulture));
        Assert.Contains("could not be priced", html);
    }

    [Fact]
    public async Task Query_counts_the_deduplicated_events()
    {
        var csv = await Folder.RunAsync("query", "--project", SeededProject.Project, "SELECT count(*) AS n FROM events", "--format", "csv");
        Assert.True(csv.ExitCode == 0, csv.ToString());
        Assert.Equal($"n\n{SeededProject.Distinct}\n", csv.Out.ReplaceLineEndings("\n"));

        var table = await Folder.RunAsync("query", "--project", SeededProject.Project, "SELECT count(*) FROM events");
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Matches($@"│\s+{SeededProject.Distinct} │", table.Out);
        Assert.Contains("count_star()", table.Out);
    }

    [Fact]
    public async Task Query_json_and_the_rollups_view_agree_with_the_events()
    {
        var json = await Folder.RunAsync("query", "--project", SeededProject.Project, "SELECT model, count(*) AS n, sum(cost_usd) AS cost, max(ts) AS last FROM events GROUP BY model ORDER BY model", "--format", "json");
        Assert.True(json.ExitCode == 0, json.ToString());
        using var rows = JsonDocument.Parse(json.Out);
        Assert.Equal(3, rows.RootElement.GetArrayLength());
        Assert.Equal(SeededProject.Distinct, rows.RootElement.EnumerateArray().Sum(r => r.GetProperty("n").GetInt32()));
        Assert.Equal(JsonValueKind.Null, rows.RootElement.EnumerateArray().Single(r => r.GetProperty("model").GetString() == TestEvents.UnpricedModel).GetProperty("cost").ValueKind);

        var rollups = await Folder.RunAsync("query", "--project", SeededProject.Project, "SELECT sum(requests) AS n FROM rollups WHERE grain = 'hour' AND dimension = 'all'", "--format", "csv");
        Assert.True(rollups.ExitCode == 0, rollups.ToString());
        Assert.Equal($"n\n{SeededProject.Distinct}\n", rollups.Out.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Query_reads_nested_types_as_text()
    {
        var run = await Folder.RunAsync("query", "--project", SeededProject.Project, "SELECT [1, 2] AS list, INTERVAL 90 MINUTE AS span", "--format", "csv");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("list,span\n\"[1, 2]\",01:30:00\n", run.Out.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task A_bad_query_exits_1_with_DuckDBs_message()
    {
        const string Sql = "SELEC count(*) FROM events";
        string expected;
        using (var connection = new DuckDBConnection(DuckDBConnectionStringBuilder.InMemoryConnectionString))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = Sql;
            expected = Assert.Throws<DuckDBException>(() => command.ExecuteNonQuery()).Message;
        }

        var run = await Folder.RunAsync("query", "--project", SeededProject.Project, Sql);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains(expected, run.Err);
        Assert.Contains("Parser Error", run.Err);
        Assert.Equal("", run.Out);

        var missing = await Folder.RunAsync("query", "--project", SeededProject.Project, "SELECT nope FROM events");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("Binder Error", missing.Err);
    }

    [Fact]
    public async Task Export_writes_a_Hive_partitioned_folder_DuckDB_reads_with_every_event_once()
    {
        var folder = Folder.PathOf("exports/parquet");
        var run = await Folder.RunAsync("export", "--project", SeededProject.Project, "--since", seeded.SinceArg, "--until", seeded.UntilArg, "--out", folder);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains($"Exported {SeededProject.Distinct} event(s)", run.Out);
        Assert.Contains("Exporting", run.Err); // the progress display (plain text when not on a terminal)

        // One file per UTC day of the events, under project=<id>/dt=<day>/.
        var days = seeded.Events.Select(e => e.Timestamp.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)).Distinct().Order().ToList();
        var files = Directory.GetFiles(folder, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(folder, f).Replace('\\', '/')).Order().ToList();
        Assert.Equal(days.Select(d => $"project={SeededProject.Project}/dt={d}/events.parquet"), files);

        // Read back with a DuckDB of the test's own, the glob bound as a parameter.
        using var connection = new DuckDBConnection(DuckDBConnectionStringBuilder.InMemoryConnectionString);
        connection.Open();
        object? Scalar(string sql)
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            command.Parameters.Add(new DuckDBParameter("glob", Path.Combine(folder, "**", "*.parquet")));
            return command.ExecuteScalar();
        }

        Assert.Equal(SeededProject.Distinct, Convert.ToInt64(Scalar("SELECT count(DISTINCT event_id) FROM read_parquet($glob, hive_partitioning = true)"), CultureInfo.InvariantCulture));
        Assert.Equal(SeededProject.Distinct, Convert.ToInt64(Scalar("SELECT count(*) FROM read_parquet($glob, hive_partitioning = true) WHERE CAST(dt AS VARCHAR) = strftime(ts AT TIME ZONE 'UTC', '%Y-%m-%d')"), CultureInfo.InvariantCulture));
        Assert.Equal(seeded.Events.Sum(e => TestEvents.ExpectedCost(e) ?? 0), (decimal)Scalar("SELECT sum(cost_usd) FROM read_parquet($glob, hive_partitioning = true)")!);

        var csvFolder = Folder.PathOf("exports/csv");
        var csvRun = await Folder.RunAsync("export", "--project", SeededProject.Project, "--since", seeded.SinceArg, "--until", seeded.UntilArg, "--format", "csv", "--out", csvFolder);
        Assert.True(csvRun.ExitCode == 0, csvRun.ToString());
        var csvFiles = Directory.GetFiles(csvFolder, "events.csv", SearchOption.AllDirectories);
        Assert.Equal(days.Count, csvFiles.Length);
        Assert.Equal(SeededProject.Distinct, csvFiles.Sum(f => File.ReadAllLines(f).Length - 1)); // a header + one line per event
    }

    [Fact]
    public async Task Export_on_a_terminal_draws_a_progress_bar_to_stderr_and_the_summary_to_stdout()
    {
        var folder = Folder.PathOf("exports/terminal");
        var run = await Folder.RunOnTerminalAsync("export", "--project", SeededProject.Project, "--since", seeded.SinceArg, "--until", seeded.UntilArg, "--out", folder);
        Assert.True(run.ExitCode == 0, run.ToString());
        var days = seeded.Events.Select(e => e.Timestamp.UtcDateTime.Date).Distinct().Count();
        Assert.Contains($"over {days} day(s)", run.Err); // the bar's title
        Assert.Contains("100%", run.Err);                // its last frame: done
        Assert.Contains("━", run.Err);                   // the bar itself
        Assert.Contains("\u001b[", run.Err);             // drawn with ANSI control sequences, live
        Assert.DoesNotContain("\u001b[", run.Out);       // results stay plain
        Assert.Contains($"Exported {SeededProject.Distinct} event(s)", run.Out);
    }

    private static long Number(string output, string label) => long.Parse(Cell(output, Regex.Escape(label)).Replace(",", ""), CultureInfo.InvariantCulture);

    private static long Milliseconds(string output, string label)
    {
        var match = Regex.Match(output, $@"│ {Regex.Escape(label)}\s+│\s+([\d,]+) ms │");
        Assert.True(match.Success, $"no '{label}' row in:\n{output}");
        return long.Parse(match.Groups[1].Value.Replace(",", ""), CultureInfo.InvariantCulture);
    }

    /// <summary>The value cell of a row of the two-column totals table.</summary>
    private static string Cell(string output, string labelPattern)
    {
        var match = Regex.Match(output, $@"│ {labelPattern}\s+│\s+(\S+) │");
        Assert.True(match.Success, $"no '{labelPattern}' row in:\n{output}");
        return match.Groups[1].Value;
    }

    private static string Iso(DateTimeOffset value) => Format.Iso(value);

    private static double Px(string text) => double.Parse(text, CultureInfo.InvariantCulture);

    private static string Decode(string text) => System.Net.WebUtility.HtmlDecode(text);

    /// <summary>The attributes of every <c>&lt;tag …&gt;</c> whose opening tag contains <paramref name="marker"/>.</summary>
    private static List<Dictionary<string, string>> Marks(string html, string tag, string marker)
        => Regex.Matches(html, $@"<{tag}\s[^>]*>")
            .Where(m => m.Value.Contains(marker, StringComparison.Ordinal))
            .Select(m => Regex.Matches(m.Value, @"([\w-]+)=""([^""]*)""").ToDictionary(a => a.Groups[1].Value, a => a.Groups[2].Value))
            .ToList();
}
