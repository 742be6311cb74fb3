using LensAI.Backend.Reports;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace LensAI.Cli.Rendering;

/// <summary>The report in the terminal: totals, one breakdown with a bar chart, budgets with gauges, the unpriced warning.</summary>
internal static class ConsoleReport
{
    private static readonly Color[] s_palette = [Color.SteelBlue1, Color.Orange1, Color.SeaGreen2, Color.MediumPurple2, Color.Gold1, Color.IndianRed1, Color.Turquoise2, Color.Plum2, Color.DarkKhaki, Color.Grey62];

    public static void Write(IAnsiConsole console, ProjectReport report, string by, int top, string storage)
    {
        console.Write(new Rule($"[bold]LensAI report[/] · {Markup.Escape(report.Project)}").LeftJustified());
        console.MarkupLineInterpolated($"[grey]{Format.Instant(report.From)} → {Format.Instant(report.To)} · {(report.Grain == "day" ? "daily" : "hourly")} buckets · {storage}[/]");
        console.WriteLine();

        var t = report.Totals;
        var totals = new Table().RoundedBorder().Title("Totals").HideHeaders();
        totals.AddColumn("metric");
        totals.AddColumn(new TableColumn("value").RightAligned());
        totals.AddRow("Requests", Format.Count(t.Requests));
        totals.AddRow("Tokens in", Format.Count(t.TokensIn));
        totals.AddRow("Tokens out", Format.Count(t.TokensOut));
        totals.AddRow("Cost (USD)", Format.Usd(t.CostUsd));
        totals.AddRow("Errors", Format.Count(t.Errors));
        totals.AddRow("Unpriced calls", Format.Count(t.Unpriced));
        totals.AddRow("Estimated calls", Format.Count(t.Estimated));
        totals.AddRow("Latency p50", Format.Ms(t.LatencyP50));
        totals.AddRow("Latency p95", Format.Ms(t.LatencyP95));
        console.Write(totals);

        var rows = by switch
        {
            "user" => report.ByUser,
            "route" => report.ByRoute,
            _ => report.ByModel.Take(top).ToList(),
        };
        var label = by switch { "user" => "User", "route" => "Route", _ => "Model" };
        if (rows.Count == 0)
        {
            console.MarkupLine("[grey]No calls in this range.[/]");
        }
        else
        {
            var breakdown = new Table().RoundedBorder().Title($"By {by} (top {rows.Count})");
            breakdown.AddColumn(label);
            foreach (var column in new[] { "Requests", "Tokens in", "Tokens out", "Cost (USD)", "Share", "p50", "p95", "Errors", "Unpriced" })
            {
                breakdown.AddColumn(new TableColumn(column).RightAligned());
            }

            foreach (var r in rows)
            {
                var share = t.CostUsd > 0 ? (double)(r.CostUsd / t.CostUsd) * 100 : 0;
                breakdown.AddRow(new IRenderable[]
                {
                    new Text(r.Key), new Text(Format.Count(r.Requests)), new Text(Format.Count(r.TokensIn)), new Text(Format.Count(r.TokensOut)),
                    r.Unpriced == r.Requests ? new Markup("[yellow]unpriced[/]") : new Text(Format.Usd(r.CostUsd)), new Text(Format.Percent(share)), new Text(Format.Ms(r.LatencyP50)), new Text(Format.Ms(r.LatencyP95)),
                    new Text(Format.Count(r.Errors)), r.Unpriced > 0 ? new Markup($"[yellow]{Format.Count(r.Unpriced)}[/]") : new Text("0"),
                });
            }

            console.Write(breakdown);
            if (rows.Any(r => r.CostUsd > 0))
            {
                console.WriteLine();
                console.Write(CostBars(rows, by, Math.Clamp(console.Profile.Width - 60, 20, 60)));
            }
        }

        if (report.Budgets.Count > 0)
        {
            var budgets = new Table().RoundedBorder().Title("Budgets");
            budgets.AddColumns("Budget", "Scope", "Period ends");
            budgets.AddColumn(new TableColumn("Spent").RightAligned());
            budgets.AddColumn(new TableColumn("Limit").RightAligned());
            budgets.AddColumn("Used");
            budgets.AddColumn(new TableColumn("Forecast").RightAligned());
            budgets.AddColumn("Status");
            foreach (var b in report.Budgets)
            {
                var over = b.LimitUsd > 0 && b.ForecastUsd > b.LimitUsd;
                budgets.AddRow(
                    new Text(b.BudgetId),
                    new Text(b.ScopeValue is null ? b.Scope : $"{b.Scope} = {b.ScopeValue}"),
                    new Text($"{b.Period}, {Format.Instant(b.PeriodEnd)}"),
                    new Text(Format.Money(b.SpentUsd)),
                    new Text(Format.Money(b.LimitUsd)),
                    Gauges.Bar(b.SpentUsd, b.LimitUsd, 20),
                    over ? new Markup($"[yellow]{Format.Money(b.ForecastUsd)}[/]") : new Text(Format.Money(b.ForecastUsd)),
                    b.Blocked ? new Markup("[red bold]blocked[/]") : over ? new Markup("[yellow]projected over[/]") : new Markup("[green]ok[/]"));
            }

            console.Write(budgets);
        }

        if (t.Unpriced > 0)
        {
            console.WriteLine();
            console.MarkupLineInterpolated($"[yellow]⚠ {Format.Count(t.Unpriced)} call(s) could not be priced (models: {string.Join(", ", report.UnpricedModels)}): their cost is not in these totals. Add the models to the price catalogue (docs/pricing.md).[/]");
        }

        if (t.Estimated > 0)
        {
            console.MarkupLineInterpolated($"{Format.Count(t.Estimated)} call(s) ended before the provider reported their usage (abandoned or broken streams, timeouts): their tokens and cost are estimates, included in these totals.");
        }
    }

    /// <summary>
    /// The cost of each row as a bar, longest = most expensive, every bar's length proportional to its cost (an eighth
    /// of a cell at most off): a label, the bar, the amount.
    /// </summary>
    internal static Grid CostBars(IReadOnlyList<ReportRow> rows, string by, int width)
    {
        var max = rows.Max(r => r.CostUsd);
        var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn(new GridColumn().NoWrap()).AddColumn(new GridColumn().NoWrap().RightAligned());
        grid.AddRow(new Markup($"[bold]Cost by {Markup.Escape(by)} (USD)[/]"), new Text(""), new Text(""));
        var i = 0;
        foreach (var r in rows)
        {
            grid.AddRow(
                new Text(Truncate(r.Key, 40)),
                new Text(Bar(max > 0 ? (double)(r.CostUsd / max) : 0, width), new Style(s_palette[i++ % s_palette.Length])),
                new Text(r.Unpriced == r.Requests ? "unpriced" : Format.Usd(r.CostUsd)));
        }

        return grid;
    }

    /// <summary>A bar of <paramref name="share"/> (0–1) of <paramref name="width"/> cells, in eighths of a cell.</summary>
    internal static string Bar(double share, int width)
    {
        var eighths = (int)Math.Round(Math.Clamp(share, 0, 1) * width * 8);
        var bar = new string('█', eighths / 8);
        return eighths % 8 == 0 ? bar : bar + " ▏▎▍▌▋▊▉"[eighths % 8];
    }

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..(length - 1)] + "…";
}
