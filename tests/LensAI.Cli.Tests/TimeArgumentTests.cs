namespace LensAI.Cli.Tests;

/// <summary>The forms --since / --until accept, against a fixed "now".</summary>
public sealed class TimeArgumentTests
{
    private static readonly DateTimeOffset s_now = new(2026, 11, 22, 3, 10, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("30m", "2026-11-22T02:40:00Z")]
    [InlineData("24h", "2026-11-21T03:10:00Z")]
    [InlineData("7d", "2026-11-15T03:10:00Z")]
    [InlineData("2w", "2026-11-08T03:10:00Z")]
    [InlineData("now", "2026-11-22T03:10:00Z")]
    [InlineData("2026-11-01", "2026-11-01T00:00:00Z")]
    [InlineData("2026-11-01T12:30:00Z", "2026-11-01T12:30:00Z")]
    [InlineData("2026-11-01T12:30:00+02:00", "2026-11-01T10:30:00Z")]
    [InlineData("2026-11-01T12:30", "2026-11-01T12:30:00Z")] // no offset: UTC
    public void Accepted_forms(string text, string expected)
    {
        Assert.True(CommonOptions.TryParseTime(text, s_now, out var value));
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), value);
        Assert.Equal(TimeSpan.Zero, value.Offset);
    }

    [Theory]
    [InlineData("")]
    [InlineData("yesterday")]
    [InlineData("7")]
    [InlineData("7y")]
    [InlineData("-7d")]
    [InlineData("2026-13-01")]
    [InlineData("01/11/2026")]
    public void Rejected_forms(string text) => Assert.False(CommonOptions.TryParseTime(text, s_now, out _));

    [Fact]
    public void Reports_align_the_start_to_hours_up_to_two_days_and_to_days_beyond()
    {
        Assert.Equal(new DateTimeOffset(2026, 11, 21, 3, 0, 0, TimeSpan.Zero), Commands.ReportCommand.AlignToBuckets(s_now.AddHours(-24), s_now));
        Assert.Equal(new DateTimeOffset(2026, 11, 15, 0, 0, 0, TimeSpan.Zero), Commands.ReportCommand.AlignToBuckets(s_now.AddDays(-7), s_now));
    }
}
