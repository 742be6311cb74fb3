namespace LensAI.Backend.Budgets;

/// <summary>Calendar periods (daily, weekly from Monday, monthly) in an IANA time zone, as UTC instants.</summary>
internal static class BudgetPeriods
{
    public static bool IsPeriod(string? period) => period is "daily" or "weekly" or "monthly";

    public static TimeZoneInfo? FindZone(string id)
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return null;
        }
    }

    /// <summary>The period containing <paramref name="now"/>: [start, end) in UTC.</summary>
    public static (DateTimeOffset Start, DateTimeOffset End) Current(string period, TimeZoneInfo zone, DateTimeOffset now)
    {
        var local = TimeZoneInfo.ConvertTime(now, zone).DateTime;
        DateTime start, end;
        switch (period)
        {
            case "daily":
                start = local.Date;
                end = start.AddDays(1);
                break;
            case "weekly":
                var offset = ((int)local.DayOfWeek + 6) % 7; // Monday = 0
                start = local.Date.AddDays(-offset);
                end = start.AddDays(7);
                break;
            case "monthly":
                start = new DateTime(local.Year, local.Month, 1, 0, 0, 0, DateTimeKind.Unspecified);
                end = start.AddMonths(1);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(period), period, "Period must be daily, weekly or monthly.");
        }

        return (ToUtc(start, zone), ToUtc(end, zone));
    }

    private static DateTimeOffset ToUtc(DateTime local, TimeZoneInfo zone)
    {
        // Midnight can fall in a DST gap in a few zones: move forward to the first valid instant.
        while (zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(30);
        }

        return new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(DateTime.SpecifyKind(local, DateTimeKind.Unspecified), zone), TimeSpan.Zero);
    }
}
