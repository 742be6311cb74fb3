using System.Globalization;
using System.Net;
using System.Text;

namespace LensAI.Cli.Rendering;

/// <summary>
/// Small SVG chart builders for the HTML report: every mark carries its value in <c>data-*</c> attributes (exactly
/// the report's number) and a <c>&lt;title&gt;</c> tooltip, so the charts are checkable and readable without script.
/// </summary>
internal static class Svg
{
    /// <summary>Tableau 10: distinct, colour-blind-aware series colours.</summary>
    public static readonly string[] Palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];

    private const double Left = 72, Right = 16, Top = 16, Bottom = 36;

    public static string E(string? text) => WebUtility.HtmlEncode(text ?? "");

    /// <summary>A stacked bar per bucket, one <c>&lt;rect class="cost"&gt;</c> per (bucket, series) point.</summary>
    public static string StackedBars(IReadOnlyList<(DateTimeOffset Bucket, string Series, decimal Value)> points, IReadOnlyList<string> series, DateTimeOffset start, DateTimeOffset end, TimeSpan bucket, string grain, double width = 880, double height = 300)
    {
        var svg = Open("cost-over-time", width, height, "Cost over time by model");
        var plotW = width - Left - Right;
        var plotH = height - Top - Bottom;
        var totals = points.GroupBy(p => p.Bucket).ToDictionary(g => g.Key, g => g.Sum(p => Math.Max(0, p.Value)));
        var max = NiceMax(totals.Count == 0 ? 0 : (double)totals.Values.Max());
        YAxis(svg, max, plotW, plotH, Money);
        TimeTicks(svg, start, end, bucket, grain, plotW, plotH);
        var barW = Math.Max(1, plotW * (bucket.Ticks / (double)(end - start).Ticks) * 0.8);
        foreach (var group in points.GroupBy(p => p.Bucket).OrderBy(g => g.Key))
        {
            var x = Left + X(group.Key, start, end, plotW) + (plotW * (bucket.Ticks / (double)(end - start).Ticks) * 0.1);
            var y = Top + plotH;
            foreach (var p in group.OrderBy(p => IndexOf(series, p.Series)))
            {
                var h = (double)Math.Max(0, p.Value) / max * plotH;
                y -= h;
                svg.Append(CultureInfo.InvariantCulture, $"<rect class=\"cost\" x=\"{Format.Px(x)}\" y=\"{Format.Px(y)}\" width=\"{Format.Px(barW)}\" height=\"{Format.Px(h)}\" fill=\"{Colour(series, p.Series)}\"")
                   .Append(CultureInfo.InvariantCulture, $" data-bucket=\"{Format.Iso(p.Bucket)}\" data-model=\"{E(p.Series)}\" data-cost=\"{Format.Exact(p.Value)}\">")
                   .Append(CultureInfo.InvariantCulture, $"<title>{E(p.Series)} · {E(Label(p.Bucket, grain))}: {E(Format.Usd(p.Value))}</title></rect>");
            }
        }

        if (points.Count == 0)
        {
            Empty(svg, width, height);
        }

        return svg.Append("</svg>").ToString();
    }

    /// <summary>Horizontal bars, one <c>&lt;rect class="bar"&gt;</c> per row, longest = most expensive.</summary>
    public static string HorizontalBars(string chart, string title, IReadOnlyList<(string Key, decimal Cost, long Requests, bool Unpriced)> rows, double width = 430)
    {
        const double LabelW = 150, ValueW = 92, RowH = 26;
        var height = Top + Math.Max(1, rows.Count) * RowH + 8;
        var svg = Open(chart, width, height, title);
        var barArea = width - LabelW - ValueW - 8;
        var max = rows.Count == 0 ? 0 : (double)rows.Max(r => r.Cost);
        for (var i = 0; i < rows.Count; i++)
        {
            var (key, cost, requests, unpriced) = rows[i];
            var y = Top + (i * RowH);
            var w = max <= 0 ? 0 : Math.Max(cost > 0 ? 1 : 0, (double)cost / max * barArea);
            var label = key.Length > 22 ? key[..21] + "…" : key;
            svg.Append(CultureInfo.InvariantCulture, $"<text class=\"label\" x=\"{Format.Px(LabelW - 6)}\" y=\"{Format.Px(y + 15)}\" text-anchor=\"end\">{E(label)}<title>{E(key)}</title></text>")
               .Append(CultureInfo.InvariantCulture, $"<rect class=\"bar\" data-chart=\"{chart}\" x=\"{Format.Px(LabelW)}\" y=\"{Format.Px(y + 3)}\" width=\"{Format.Px(w)}\" height=\"{Format.Px(RowH - 8)}\" fill=\"{Palette[i % Palette.Length]}\"")
               .Append(CultureInfo.InvariantCulture, $" data-key=\"{E(key)}\" data-cost=\"{Format.Exact(cost)}\" data-requests=\"{Format.Exact(requests)}\">")
               .Append(CultureInfo.InvariantCulture, $"<title>{E(key)}: {E(Format.Usd(cost))} over {E(Format.Count(requests))} request(s)</title></rect>")
               .Append(CultureInfo.InvariantCulture, $"<text class=\"value\" x=\"{Format.Px(LabelW + w + 6)}\" y=\"{Format.Px(y + 15)}\">{E(unpriced ? "unpriced" : Format.Usd(cost))}</text>");
        }

        if (rows.Count == 0)
        {
            Empty(svg, width, height);
        }

        return svg.Append("</svg>").ToString();
    }

    /// <summary>Lines over time, one <c>&lt;path class="line"&gt;</c> per series and one <c>&lt;circle class="point"&gt;</c> per value.</summary>
    public static string Lines(string chart, string title, IReadOnlyList<(string Series, string Colour, bool Dashed, IReadOnlyList<(DateTimeOffset Bucket, double? Value)> Points)> series, DateTimeOffset start, DateTimeOffset end, TimeSpan bucket, string grain, double width = 880, double height = 280)
    {
        var svg = Open(chart, width, height, title);
        var plotW = width - Left - Right;
        var plotH = height - Top - Bottom;
        var values = series.SelectMany(s => s.Points).Where(p => p.Value is not null).Select(p => p.Value!.Value).ToList();
        var max = NiceMax(values.Count == 0 ? 0 : values.Max());
        YAxis(svg, max, plotW, plotH, v => v.ToString("#,##0", CultureInfo.InvariantCulture) + " ms");
        TimeTicks(svg, start, end, bucket, grain, plotW, plotH);
        var half = plotW * (bucket.Ticks / (double)(end - start).Ticks) / 2;
        foreach (var (name, colour, dashed, points) in series)
        {
            var d = new StringBuilder();
            var pen = 'M';
            var dots = new StringBuilder();
            foreach (var (at, value) in points.OrderBy(p => p.Bucket))
            {
                if (value is not { } v)
                {
                    pen = 'M'; // a gap: the line restarts after it
                    continue;
                }

                var x = Left + X(at, start, end, plotW) + half;
                var y = Top + plotH - (v / max * plotH);
                d.Append(CultureInfo.InvariantCulture, $"{pen}{Format.Px(x)},{Format.Px(y)} ");
                pen = 'L';
                dots.Append(CultureInfo.InvariantCulture, $"<circle class=\"point\" data-series=\"{E(name)}\" data-bucket=\"{Format.Iso(at)}\" data-value=\"{Format.Exact(v)}\" cx=\"{Format.Px(x)}\" cy=\"{Format.Px(y)}\" r=\"3\" fill=\"{colour}\">")
                    .Append(CultureInfo.InvariantCulture, $"<title>{E(name)} · {E(Label(at, grain))}: {E(Format.Ms(v))}</title></circle>");
            }

            svg.Append(CultureInfo.InvariantCulture, $"<path class=\"line\" data-series=\"{E(name)}\" d=\"{d.ToString().TrimEnd()}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"{(dashed ? " stroke-dasharray=\"6 4\"" : "")}/>")
               .Append(dots);
        }

        if (values.Count == 0)
        {
            Empty(svg, width, height);
        }

        return svg.Append("</svg>").ToString();
    }

    /// <summary>A half-circle gauge of spend against the limit, with a tick at the end-of-period forecast.</summary>
    public static string Gauge(string id, decimal spent, decimal limit, decimal forecast, bool blocked)
    {
        const double W = 240, H = 150, Cx = 120, Cy = 124, R = 92;
        var share = limit > 0 ? (double)(spent / limit) : 0;
        var projected = limit > 0 ? (double)(forecast / limit) : 0;
        var colour = blocked || share >= 1 ? "#e15759" : share >= 0.75 ? "#edc948" : "#59a14f";
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg class=\"chart gauge\" data-chart=\"budget\" viewBox=\"0 0 {W} {H}\" width=\"{W}\" height=\"{H}\" role=\"img\" aria-label=\"Budget {E(id)}\">");
        svg.Append(CultureInfo.InvariantCulture, $"<path class=\"gauge-track\" d=\"{Arc(Cx, Cy, R, 1)}\" fill=\"none\" stroke=\"#e6e6e6\" stroke-width=\"18\"/>");
        svg.Append(CultureInfo.InvariantCulture, $"<path class=\"gauge-value\" data-budget-id=\"{E(id)}\" data-spent=\"{Format.Exact(spent)}\" data-limit=\"{Format.Exact(limit)}\" d=\"{Arc(Cx, Cy, R, Math.Clamp(share, 0, 1))}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"18\">")
           .Append(CultureInfo.InvariantCulture, $"<title>{E(Format.Money(spent))} of {E(Format.Money(limit))}</title></path>");
        var angle = Math.PI * (1 - Math.Clamp(projected, 0, 1));
        svg.Append(CultureInfo.InvariantCulture, $"<line class=\"gauge-forecast\" data-budget-id=\"{E(id)}\" data-forecast=\"{Format.Exact(forecast)}\" x1=\"{Format.Px(Cx + ((R - 16) * Math.Cos(angle)))}\" y1=\"{Format.Px(Cy - ((R - 16) * Math.Sin(angle)))}\" x2=\"{Format.Px(Cx + ((R + 16) * Math.Cos(angle)))}\" y2=\"{Format.Px(Cy - ((R + 16) * Math.Sin(angle)))}\" stroke=\"#333\" stroke-width=\"3\">")
           .Append(CultureInfo.InvariantCulture, $"<title>Forecast at period end: {E(Format.Money(forecast))}{(projected > 1 ? " (over the limit)" : "")}</title></line>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Cx}\" y=\"{Cy - 24}\" text-anchor=\"middle\" class=\"gauge-percent\">{E(Format.Percent(share * 100))}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Cx}\" y=\"{Cy - 4}\" text-anchor=\"middle\" class=\"gauge-amount\">{E(Format.Money(spent))} / {E(Format.Money(limit))}</text>");
        return svg.Append("</svg>").ToString();
    }

    /// <summary>The arc from the gauge's left end over <paramref name="share"/> (0–1) of the half circle.</summary>
    private static string Arc(double cx, double cy, double r, double share)
    {
        var angle = Math.PI * (1 - share);
        var x = cx + (r * Math.Cos(angle));
        var y = cy - (r * Math.Sin(angle));
        return share <= 0
            ? $"M{Format.Px(cx - r)},{Format.Px(cy)}"
            : $"M{Format.Px(cx - r)},{Format.Px(cy)} A{Format.Px(r)},{Format.Px(r)} 0 0 1 {Format.Px(x)},{Format.Px(y)}";
    }

    private static StringBuilder Open(string chart, double width, double height, string title)
        => new StringBuilder().Append(CultureInfo.InvariantCulture, $"<svg class=\"chart\" data-chart=\"{chart}\" viewBox=\"0 0 {Format.Px(width)} {Format.Px(height)}\" width=\"100%\" preserveAspectRatio=\"xMinYMin meet\" role=\"img\" aria-label=\"{E(title)}\">");

    private static void Empty(StringBuilder svg, double width, double height)
        => svg.Append(CultureInfo.InvariantCulture, $"<text class=\"empty\" x=\"{Format.Px(width / 2)}\" y=\"{Format.Px(height / 2)}\" text-anchor=\"middle\">No calls in this range</text>");

    private static void YAxis(StringBuilder svg, double max, double plotW, double plotH, Func<double, string> label)
    {
        for (var i = 0; i <= 4; i++)
        {
            var v = max * i / 4;
            var y = Top + plotH - (plotH * i / 4);
            svg.Append(CultureInfo.InvariantCulture, $"<line class=\"grid\" x1=\"{Left}\" x2=\"{Format.Px(Left + plotW)}\" y1=\"{Format.Px(y)}\" y2=\"{Format.Px(y)}\"/>")
               .Append(CultureInfo.InvariantCulture, $"<text class=\"axis\" x=\"{Left - 6}\" y=\"{Format.Px(y + 4)}\" text-anchor=\"end\">{E(label(v))}</text>");
        }
    }

    private static void TimeTicks(StringBuilder svg, DateTimeOffset start, DateTimeOffset end, TimeSpan bucket, string grain, double plotW, double plotH)
    {
        var buckets = Math.Max(1, (int)Math.Ceiling((end - start) / bucket));
        var step = Math.Max(1, (int)Math.Ceiling(buckets / 8.0));
        for (var i = 0; i < buckets; i += step)
        {
            var at = start + (bucket * i);
            var x = Left + X(at, start, end, plotW);
            svg.Append(CultureInfo.InvariantCulture, $"<line class=\"tick\" x1=\"{Format.Px(x)}\" x2=\"{Format.Px(x)}\" y1=\"{Format.Px(Top + plotH)}\" y2=\"{Format.Px(Top + plotH + 4)}\"/>")
               .Append(CultureInfo.InvariantCulture, $"<text class=\"axis\" x=\"{Format.Px(x)}\" y=\"{Format.Px(Top + plotH + 18)}\" text-anchor=\"start\">{E(Label(at, grain))}</text>");
        }
    }

    private static double X(DateTimeOffset at, DateTimeOffset start, DateTimeOffset end, double plotW)
        => Math.Clamp((at - start).Ticks / (double)(end - start).Ticks, 0, 1) * plotW;

    private static string Label(DateTimeOffset at, string grain)
        => at.UtcDateTime.ToString(grain == "day" ? "MMM d" : "MMM d HH:mm", CultureInfo.InvariantCulture);

    /// <summary>A round axis maximum (1, 2, 2.5, 5 × 10ⁿ) at or above <paramref name="max"/>.</summary>
    internal static double NiceMax(double max)
    {
        if (max <= 0 || double.IsNaN(max))
        {
            return 1;
        }

        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(max)));
        var f = max / magnitude;
        return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * magnitude;
    }

    private static string Money(double v) => v == 0 ? "$0" : v >= 1 ? "$" + v.ToString("#,##0.##", CultureInfo.InvariantCulture) : "$" + v.ToString("0.######", CultureInfo.InvariantCulture);

    private static int IndexOf(IReadOnlyList<string> series, string name)
    {
        for (var i = 0; i < series.Count; i++)
        {
            if (series[i] == name)
            {
                return i;
            }
        }

        return series.Count;
    }

    public static string Colour(IReadOnlyList<string> series, string name) => Palette[IndexOf(series, name) % Palette.Length];
}
