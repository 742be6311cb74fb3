namespace LensAI.Backend.DuckDb;

/// <summary>Exact conversions between .NET values and DuckDB's storage formats.</summary>
internal static class DuckDbValues
{
    private const long UnixEpochTicks = 621_355_968_000_000_000; // DateTime.UnixEpoch.Ticks
    private const long MinMicros = (0 - UnixEpochTicks) / 10; // 0001-01-01
    private const long MaxMicros = (3_155_378_975_999_999_999 - UnixEpochTicks) / 10; // 9999-12-31 23:59:59.999999

    /// <summary>Microseconds since 1970-01-01 UTC, rounded down (sub-microsecond ticks dropped).</summary>
    public static long ToUnixMicros(DateTimeOffset value)
    {
        var ticks = value.UtcTicks - UnixEpochTicks;
        return Math.DivRem(ticks, 10, out var remainder) - (remainder < 0 ? 1 : 0);
    }

    /// <summary>A UTC <see cref="DateTimeOffset"/> from microseconds since 1970-01-01 UTC.</summary>
    /// <exception cref="OverflowException">Outside years 1–9999 (including DuckDB's ±infinity).</exception>
    public static DateTimeOffset FromUnixMicros(long micros)
    {
        if (micros < MinMicros || micros > MaxMicros)
        {
            throw new OverflowException($"The DuckDB timestamp ({micros} µs since 1970) is outside the range of DateTimeOffset (or infinite).");
        }

        return new DateTimeOffset(UnixEpochTicks + (micros * 10), TimeSpan.Zero);
    }

    /// <summary>Splits <paramref name="value"/> into its unscaled integer and scale: 1.50 → (150, 2).</summary>
    public static (Int128 Unscaled, byte Scale) Unscale(decimal value)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        var magnitude = ((UInt128)(uint)bits[2] << 64) | ((UInt128)(uint)bits[1] << 32) | (uint)bits[0];
        var scale = (byte)((bits[3] >> 16) & 0xFF);
        var unscaled = (Int128)magnitude;
        return (bits[3] < 0 ? -unscaled : unscaled, scale);
    }

    /// <summary>
    /// The exact <see cref="decimal"/> for <paramref name="unscaled"/> × 10^-<paramref name="scale"/>; trailing zeros
    /// are dropped only when needed to fit.
    /// </summary>
    /// <exception cref="OverflowException">The value needs more than 96 bits or 28 decimal places.</exception>
    public static decimal ToDecimal(Int128 unscaled, int scale)
    {
        var negative = unscaled < 0;
        var magnitude = negative ? (UInt128)(-unscaled) : (UInt128)unscaled;
        while ((magnitude >> 96) != 0 || scale > 28)
        {
            var (quotient, remainder) = UInt128.DivRem(magnitude, 10);
            if (scale == 0 || remainder != 0)
            {
                throw new OverflowException($"The DuckDB DECIMAL value {unscaled}e-{scale} does not fit System.Decimal exactly.");
            }

            magnitude = quotient;
            scale--;
        }

        return new decimal((int)(uint)magnitude, (int)(uint)(magnitude >> 32), (int)(uint)(magnitude >> 64), negative, (byte)scale);
    }

    private static readonly double[] PowersOfTen = Enumerable.Range(0, 39).Select(i => Math.Pow(10, i)).ToArray();

    /// <summary>The nearest double to a DECIMAL (used only by GetDouble).</summary>
    public static double ToDouble(Int128 unscaled, int scale) => (double)unscaled / PowersOfTen[scale];
}
