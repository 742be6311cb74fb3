using LensAI.Backend.Reports;

namespace LensAI.Backend.Tests.Reports;

public sealed class ReportServiceTests
{
    private static readonly DateTimeOffset s_start = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset s_end = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_spend_under_half_a_cent_forecasts_more_than_zero()
    {
        // A tenth of the month elapsed, $0.0004 spent: $0.004 by the end (rounding to cents made it $0.00).
        Assert.Equal(0.004m, ReportService.Forecast(0.0004m, s_start, s_end, s_start.AddDays(3)));
        Assert.Equal(0.002m, ReportService.Forecast(0.001m, s_start, s_end, s_start.AddDays(15)));
    }

    [Fact]
    public void The_forecast_keeps_six_decimals_and_never_falls_below_the_spend()
    {
        Assert.Equal(3.333333m, ReportService.Forecast(1m, s_start, s_end, s_start.AddDays(9))); // 1 × 30 / 9
        // Rounding to six decimals would give 0.000000: the forecast is at least what is spent.
        Assert.Equal(0.000000123m, ReportService.Forecast(0.000000123m, s_start, s_end, s_end.AddTicks(-1)));
        Assert.Equal(5m, ReportService.Forecast(5m, s_start, s_end, s_end.AddHours(1))); // period over
        Assert.Equal(5m, ReportService.Forecast(5m, s_start, s_end, s_start)); // nothing elapsed
    }

    [Theory]
    [InlineData("2026-11-14T12:30:45Z", "day", "2026-11-14T00:00:00Z")]
    [InlineData("2026-11-14T12:30:45Z", "hour", "2026-11-14T12:00:00Z")]
    [InlineData("2026-11-14T01:30:00+02:00", "day", "2026-11-13T00:00:00Z")]
    [InlineData("2026-11-14T00:00:00Z", "day", "2026-11-14T00:00:00Z")]
    public void Report_ranges_start_at_the_start_of_a_utc_bucket(string from, string grain, string aligned)
        => Assert.Equal(DateTimeOffset.Parse(aligned, System.Globalization.CultureInfo.InvariantCulture),
            ReportService.AlignDown(DateTimeOffset.Parse(from, System.Globalization.CultureInfo.InvariantCulture), grain));
}
