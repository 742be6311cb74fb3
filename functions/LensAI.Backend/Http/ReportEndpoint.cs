using System.Globalization;
using LensAI.Backend.Reports;
using Microsoft.AspNetCore.Http;

namespace LensAI.Backend.Http;

/// <summary>
/// <c>GET /v1/report?from=&amp;to=&amp;top=</c>: the caller's project report as JSON (the dashboard's data). <c>from</c>
/// (default <c>to</c> − 7 days) is aligned down to the start of its report bucket — the UTC hour for ranges up to two
/// days, the UTC day beyond — and the response's <c>from</c> is that aligned instant. The answer carries an ETag; a
/// request naming it in <c>If-None-Match</c> gets a 304 (the dashboard's 15-second refresh).
/// </summary>
internal sealed class ReportEndpoint(ReportService reports, TimeProvider time)
{
    /// <summary>Handles one request.</summary>
    public async Task<IResult> GetAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (RequestBody.RefuseAnyBody(http.Request) is { } refused)
        {
            return refused;
        }

        var caller = ApiCaller.Of(http);
        var query = http.Request.Query;
        if (QueryValues.Range(query, time.GetUtcNow(), TimeSpan.FromDays(7), TimeSpan.FromDays(366)) is not (var start, var end))
        {
            return Problems.Of(400, "invalid-range", "Invalid range", "'from' must be before 'to', at most 366 days apart (dates or ISO 8601).");
        }

        var top = 10;
        if (query["top"].ToString() is { Length: > 0 } text && !int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out top))
        {
            return Problems.Of(400, "invalid-top", "Invalid top", $"top must be a whole number from 1 to 100; got '{text}'.");
        }

        var report = await reports.BuildAsync(caller.Project, start, end, Math.Clamp(top, 1, 100), http.RequestAborted).ConfigureAwait(false);
        return ConditionalGet.Bytes(http, System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(report, ReportJsonContext.Default.ProjectReport));
    }
}
