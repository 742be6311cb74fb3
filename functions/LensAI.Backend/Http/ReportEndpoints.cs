using System.Globalization;
using LensAI.Backend.Reports;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace LensAI.Backend.Http;

/// <summary>
/// <c>GET /v1/report?from=&amp;to=&amp;top=</c>: the caller's project report as JSON (the dashboard's data). <c>from</c>
/// (default <c>to</c> − 7 days) is aligned down to the start of its report bucket — the UTC hour for ranges up to two
/// days, the UTC day beyond — and the response's <c>from</c> is that aligned instant.
/// </summary>
public static class ReportEndpoints
{
    public static IEndpointRouteBuilder MapLensAIReport(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/v1").AddEndpointFilter<ApiKeyAuthentication>().RequireRateLimiting(LensAIEndpoints.PerKeyPolicy)
            .MapGet("/report", ReportAsync);
        return app;
    }

    private static async Task<IResult> ReportAsync(HttpContext http, ReportService reports, TimeProvider time, string? from, string? to, int? top)
    {
        var now = time.GetUtcNow();
        var end = Parse(to) ?? now;
        var start = Parse(from) ?? end.AddDays(-7);
        if (end <= start || end - start > TimeSpan.FromDays(366))
        {
            return Problems.Of(400, "invalid-range", "Invalid range", "'from' must be before 'to', at most 366 days apart (dates or ISO 8601).");
        }

        var report = await reports.BuildAsync(ApiKeyAuthentication.ProjectOf(http), start, end, Math.Clamp(top ?? 10, 1, 100), http.RequestAborted).ConfigureAwait(false);
        return Results.Json(report, ReportJsonContext.Default.ProjectReport);
    }

    private static DateTimeOffset? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            return new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t.ToUniversalTime() : null;
    }
}
