using System.Globalization;

namespace LensAI.Cli.Rendering;

/// <summary>How the terminal and HTML outputs write numbers and times (invariant culture, UTC).</summary>
internal static class Format
{
    private static readonly CultureInfo s_inv = CultureInfo.InvariantCulture;

    /// <summary>US dollars to the micro-dollar (<c>$1,234.567890</c>): LLM calls cost fractions of a cent.</summary>
    public static string Usd(decimal value) => (value < 0 ? "-$" : "$") + Math.Abs(value).ToString("#,##0.000000", s_inv);

    /// <summary>
    /// Money for budgets: to the cent from $1 up (<c>$12.50</c>), with the digits that matter below it
    /// (<c>$0.005</c>, <c>$0.003142</c>), so a small limit or spend never reads as <c>$0.00</c>.
    /// </summary>
    public static string Money(decimal value)
    {
        var abs = Math.Abs(value);
        var text = abs >= 1 || abs == 0 ? abs.ToString("#,##0.00", s_inv) : Math.Round(abs, 6).ToString("0.00####", s_inv);
        return (value < 0 ? "-$" : "$") + text;
    }

    public static string Count(long value) => value.ToString("#,##0", s_inv);

    public static string Ms(double? value) => value is { } v ? v.ToString("#,##0", s_inv) + " ms" : "–";

    public static string Percent(double value) => value.ToString("0.0", s_inv) + " %";

    /// <summary><c>2026-11-21 14:00 UTC</c></summary>
    public static string Instant(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd HH:mm", s_inv) + " UTC";

    /// <summary><c>2026-11-21T14:00:00Z</c>: machine-readable (data attributes, CSV).</summary>
    public static string Iso(DateTimeOffset value) => value.UtcDateTime.ToString(value.UtcDateTime.Ticks % TimeSpan.TicksPerSecond == 0 ? "yyyy-MM-dd'T'HH:mm:ss'Z'" : "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", s_inv);

    /// <summary>Exact invariant text of a number (data attributes: the report's value, not a rounded one).</summary>
    public static string Exact(decimal value) => value.ToString(s_inv);

    public static string Exact(double value) => value.ToString("R", s_inv);

    public static string Exact(long value) => value.ToString(s_inv);

    /// <summary>Coordinates in SVG: two decimals are plenty.</summary>
    public static string Px(double value) => Math.Round(value, 2).ToString("0.##", s_inv);
}
