using System.Globalization;
using System.Text;
using LensAI.Backend.Reports;
using static LensAI.Cli.Rendering.Svg;

namespace LensAI.Cli.Rendering;

/// <summary>
/// The report as ONE self-contained HTML file: inline CSS and inline SVG charts drawn here (cost over time by model,
/// top users and routes, p50/p95 latency over time, budget gauges with forecast) and the tables behind them. No
/// script and no network: a Content-Security-Policy of <c>default-src 'none'</c> says so to the browser.
/// </summary>
internal static class HtmlReport
{
    private const string Css = """
        :root { color-scheme: light; --ink: #1f2328; --muted: #656d76; --line: #d0d7de; --card: #f6f8fa; }
        * { box-sizing: border-box; }
        body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); margin: 0 auto; max-width: 1100px; padding: 24px; }
        h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; }
        .muted { color: var(--muted); }
        .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(140px, 1fr)); gap: 10px; margin-top: 16px; }
        .card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
        .card .v { font-size: 20px; font-weight: 600; font-variant-numeric: tabular-nums; }
        .card .k { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
        .warn { background: #fff8c5; border: 1px solid #d4a72c; border-radius: 8px; padding: 10px 12px; margin-top: 16px; }
        .row { display: grid; grid-template-columns: 1fr 1fr; gap: 20px; } @media (max-width: 800px) { .row { grid-template-columns: 1fr; } }
        .legend { display: flex; flex-wrap: wrap; gap: 4px 14px; margin: 4px 0 6px; font-size: 12px; }
        .legend i { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 5px; vertical-align: -1px; }
        svg.chart { display: block; font-size: 11px; overflow: visible; }
        svg .axis, svg .empty { fill: var(--muted); } svg .grid { stroke: #eaeef2; } svg .tick { stroke: var(--line); }
        svg .label { fill: var(--ink); } svg .value { fill: var(--muted); font-variant-numeric: tabular-nums; }
        svg .gauge-percent { font-size: 22px; font-weight: 600; fill: var(--ink); } svg .gauge-amount { fill: var(--muted); }
        .gauges { display: flex; flex-wrap: wrap; gap: 16px; }
        figure.gauge { margin: 0; padding: 10px; border: 1px solid var(--line); border-radius: 8px; width: 262px; }
        figure.gauge figcaption { font-size: 12px; } figure.gauge b { font-size: 14px; }
        .blocked { color: #cf222e; font-weight: 600; } .over { color: #9a6700; font-weight: 600; } .ok { color: #1a7f37; }
        table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
        th, td { padding: 5px 8px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
        th:first-child, td:first-child { text-align: left; white-space: normal; word-break: break-all; }
        th { font-size: 12px; color: var(--muted); font-weight: 600; }
        footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
        """;

    public static string Render(ProjectReport report, DateTimeOffset generatedAt)
    {
        var bucket = report.Grain == "day" ? TimeSpan.FromDays(1) : TimeSpan.FromHours(1);
        var last = report.CostOverTime.Select(p => p.Bucket).Concat(report.LatencyOverTime.Select(p => p.Bucket)).DefaultIfEmpty(report.From).Max();
        var start = report.From;
        var end = last + bucket > report.To ? last + bucket : report.To;
        var models = report.CostOverTime.GroupBy(p => p.Key).OrderByDescending(g => g.Sum(p => p.CostUsd)).ThenBy(g => g.Key, StringComparer.Ordinal).Select(g => g.Key).ToList();
        var t = report.Totals;

        var html = new StringBuilder(64 * 1024);
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append(CultureInfo.InvariantCulture, $"<title>LensAI report — {E(report.Project)}</title>\n<style>\n{Css}\n</style>\n</head>\n<body>\n");
        html.Append(CultureInfo.InvariantCulture, $"<header><h1>LensAI report — {E(report.Project)}</h1>")
            .Append(CultureInfo.InvariantCulture, $"<div class=\"muted\" data-from=\"{Format.Iso(report.From)}\" data-to=\"{Format.Iso(report.To)}\" data-grain=\"{E(report.Grain)}\">{E(Format.Instant(report.From))} → {E(Format.Instant(report.To))} · {(report.Grain == "day" ? "daily" : "hourly")} buckets</div></header>\n");

        html.Append("<section class=\"cards\" id=\"totals\">");
        Card(html, "requests", "Requests", Format.Count(t.Requests), Format.Exact(t.Requests));
        Card(html, "cost_usd", "Cost (USD)", Format.Usd(t.CostUsd), Format.Exact(t.CostUsd));
        Card(html, "tokens_in", "Tokens in", Format.Count(t.TokensIn), Format.Exact(t.TokensIn));
        Card(html, "tokens_out", "Tokens out", Format.Count(t.TokensOut), Format.Exact(t.TokensOut));
        Card(html, "latency_p50", "Latency p50", Format.Ms(t.LatencyP50), t.LatencyP50 is { } p50 ? Format.Exact(p50) : "");
        Card(html, "latency_p95", "Latency p95", Format.Ms(t.LatencyP95), t.LatencyP95 is { } p95 ? Format.Exact(p95) : "");
        Card(html, "errors", "Errors", Format.Count(t.Errors), Format.Exact(t.Errors));
        Card(html, "unpriced", "Unpriced calls", Format.Count(t.Unpriced), Format.Exact(t.Unpriced));
        Card(html, "estimated", "Estimated calls", Format.Count(t.Estimated), Format.Exact(t.Estimated));
        html.Append("</section>\n");

        if (t.Unpriced > 0)
        {
            html.Append(CultureInfo.InvariantCulture, $"<div class=\"warn\" id=\"unpriced\" data-unpriced=\"{t.Unpriced}\">⚠ <b>{E(Format.Count(t.Unpriced))} call(s) could not be priced</b> (models: {E(string.Join(", ", report.UnpricedModels))}). Their cost is not in these totals: add the models to the price catalogue.</div>\n");
        }

        html.Append("<h2>Cost over time by model</h2>\n<div class=\"legend\">");
        foreach (var model in models)
        {
            html.Append(CultureInfo.InvariantCulture, $"<span><i style=\"background:{Colour(models, model)}\"></i>{E(model)}</span>");
        }

        html.Append("</div>\n")
            .Append(StackedBars(report.CostOverTime.Select(p => (p.Bucket, p.Key, p.CostUsd)).ToList(), models, start, end, bucket, report.Grain))
            .Append('\n');

        html.Append("<h2>Cost by model</h2>\n")
            .Append(HorizontalBars("models", "Cost by model", report.ByModel.Select(r => (r.Key, r.CostUsd, r.Requests, r.Unpriced == r.Requests)).ToList(), width: 880))
            .Append('\n');

        html.Append("<div class=\"row\">\n<div><h2>Top users</h2>\n")
            .Append(HorizontalBars("users", "Top users by cost", report.ByUser.Select(r => (r.Key, r.CostUsd, r.Requests, r.Unpriced == r.Requests)).ToList()))
            .Append("</div>\n<div><h2>Top routes</h2>\n")
            .Append(HorizontalBars("routes", "Top routes by cost", report.ByRoute.Select(r => (r.Key, r.CostUsd, r.Requests, r.Unpriced == r.Requests)).ToList()))
            .Append("</div>\n</div>\n");

        html.Append("<h2>Latency over time</h2>\n<div class=\"legend\"><span><i style=\"background:#4e79a7\"></i>p50</span><span><i style=\"background:#e15759\"></i>p95</span></div>\n")
            .Append(Lines("latency", "p50 and p95 latency over time",
            [
                ("p50", "#4e79a7", false, report.LatencyOverTime.Select(p => (p.Bucket, p.P50)).ToList()),
                ("p95", "#e15759", true, report.LatencyOverTime.Select(p => (p.Bucket, p.P95)).ToList()),
            ], start, end, bucket, report.Grain))
            .Append('\n');

        html.Append("<h2>Budgets</h2>\n");
        if (report.Budgets.Count == 0)
        {
            html.Append("<p class=\"muted\">No budgets (or no budget check yet). Set them with <code>lensai budgets set</code>.</p>\n");
        }
        else
        {
            html.Append("<div class=\"gauges\">\n");
            foreach (var b in report.Budgets)
            {
                var over = b.LimitUsd > 0 && b.ForecastUsd > b.LimitUsd;
                var state = b.Blocked ? "<span class=\"blocked\">blocked</span>" : over ? "<span class=\"over\">projected over the limit</span>" : "<span class=\"ok\">on track</span>";
                html.Append(CultureInfo.InvariantCulture, $"<figure class=\"gauge\" data-budget-id=\"{E(b.BudgetId)}\" data-spent=\"{Format.Exact(b.SpentUsd)}\" data-limit=\"{Format.Exact(b.LimitUsd)}\" data-forecast=\"{Format.Exact(b.ForecastUsd)}\" data-blocked=\"{(b.Blocked ? "true" : "false")}\">")
                    .Append(Gauge(b.BudgetId, b.SpentUsd, b.LimitUsd, b.ForecastUsd, b.Blocked))
                    .Append(CultureInfo.InvariantCulture, $"<figcaption><b>{E(b.BudgetId)}</b> · {E(b.ScopeValue is null ? b.Scope : $"{b.Scope} = {b.ScopeValue}")} · {E(b.Period)}<br>")
                    .Append(CultureInfo.InvariantCulture, $"forecast {E(Format.Money(b.ForecastUsd))} by {E(Format.Instant(b.PeriodEnd))} · {state}</figcaption></figure>\n");
            }

            html.Append("</div>\n");
        }

        Breakdown(html, "model", "By model", report.ByModel, t.CostUsd);
        Breakdown(html, "user", "By user", report.ByUser, t.CostUsd);
        Breakdown(html, "route", "By route", report.ByRoute, t.CostUsd);

        html.Append(CultureInfo.InvariantCulture, $"<footer>Generated {E(Format.Instant(generatedAt))} by lensai {E(Cli.Version)}. Latency per bucket is exact; over a range, p50 is the request-weighted mean of the buckets' medians and p95 the highest bucket p95. This file has no script and loads nothing from the network.</footer>\n</body>\n</html>\n");
        return html.ToString();
    }

    private static void Card(StringBuilder html, string metric, string label, string text, string value)
        => html.Append(CultureInfo.InvariantCulture, $"<div class=\"card\" data-metric=\"{metric}\" data-value=\"{value}\"><div class=\"k\">{E(label)}</div><div class=\"v\">{E(text)}</div></div>");

    private static void Breakdown(StringBuilder html, string dimension, string title, IReadOnlyList<ReportRow> rows, decimal total)
    {
        html.Append(CultureInfo.InvariantCulture, $"<h2>{E(title)}</h2>\n");
        if (rows.Count == 0)
        {
            html.Append("<p class=\"muted\">No calls in this range.</p>\n");
            return;
        }

        html.Append(CultureInfo.InvariantCulture, $"<table data-breakdown=\"{dimension}\"><thead><tr><th>{E(dimension)}</th><th>Requests</th><th>Tokens in</th><th>Tokens out</th><th>Cost (USD)</th><th>Share</th><th>p50</th><th>p95</th><th>Errors</th><th>Unpriced</th></tr></thead><tbody>\n");
        foreach (var r in rows)
        {
            var share = total > 0 ? (double)(r.CostUsd / total) * 100 : 0;
            html.Append(CultureInfo.InvariantCulture, $"<tr data-key=\"{E(r.Key)}\" data-cost=\"{Format.Exact(r.CostUsd)}\" data-requests=\"{r.Requests}\"><td>{E(r.Key)}</td><td>{E(Format.Count(r.Requests))}</td><td>{E(Format.Count(r.TokensIn))}</td><td>{E(Format.Count(r.TokensOut))}</td>")
                .Append(CultureInfo.InvariantCulture, $"<td>{E(r.Unpriced == r.Requests ? "unpriced" : Format.Usd(r.CostUsd))}</td><td>{E(Format.Percent(share))}</td><td>{E(Format.Ms(r.LatencyP50))}</td><td>{E(Format.Ms(r.LatencyP95))}</td><td>{E(Format.Count(r.Errors))}</td><td>{E(Format.Count(r.Unpriced))}</td></tr>\n");
        }

        html.Append("</tbody></table>\n");
    }
}
