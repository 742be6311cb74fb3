using System.Globalization;
using System.Text.RegularExpressions;
using LensAI.Backend.Budgets;
using Microsoft.AspNetCore.Http;

namespace LensAI.Backend.Http;

/// <summary>
/// <c>GET /v1/audit?from=&amp;to=&amp;kind=&amp;limit=&amp;cursor=</c> (admin scope): the caller's project's audit log,
/// oldest first. <c>from</c>/<c>to</c> default to the last 30 days (at most 366 days apart); <c>kind</c> is a kind
/// (<c>budget.raise</c>) or a family (<c>key</c>), repeatable or comma-separated; <c>limit</c> is 1–500 (default 100);
/// <c>cursor</c> is the <c>next_cursor</c> of the previous page.
/// </summary>
internal sealed partial class AuditEndpoint(BudgetStore budgets, TimeProvider time)
{
    /// <summary>The page size when <c>limit</c> is not given.</summary>
    public const int DefaultLimit = 100;

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
        if (QueryValues.Range(query, time.GetUtcNow(), TimeSpan.FromDays(30), AuditLog.MaxRange) is not (var from, var to)
            || (query["from"].Count > 0 && QueryValues.Instant(query["from"]) is null) || (query["to"].Count > 0 && QueryValues.Instant(query["to"]) is null))
        {
            return Problems.Of(400, "invalid-range", "Invalid range", "'from' must be before 'to', at most 366 days apart (dates or ISO 8601).");
        }

        var limit = DefaultLimit;
        if (query["limit"].ToString() is { Length: > 0 } text
            && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1 || limit > AuditLog.MaxPageSize))
        {
            return Problems.Of(400, "invalid-limit", "Invalid limit", $"limit must be a whole number from 1 to {AuditLog.MaxPageSize}; got '{Problems.Clip(text)}'.");
        }

        var kinds = query["kind"].SelectMany(k => (k ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Distinct(StringComparer.Ordinal).ToList();
        var badKind = kinds.FirstOrDefault(k => !KindPattern().IsMatch(k));
        if (kinds.Count > 20 || badKind is not null)
        {
            return Problems.Of(400, "invalid-kind", "Invalid kind", badKind is null ? "At most 20 kinds at once." : $"'{Problems.Clip(badKind)}' is not a kind (e.g. budget, budget.raise, key.rotated, alert.sent).");
        }

        var cursor = query["cursor"].ToString();
        if (cursor.Length > 0 && !CursorPattern().IsMatch(cursor))
        {
            return Problems.Of(400, "invalid-cursor", "Invalid cursor", "cursor must be the next_cursor of a previous page.");
        }

        var page = await budgets.Audit.QueryAsync(caller.Project, from, to, kinds, limit, cursor.Length == 0 ? null : cursor, http.RequestAborted).ConfigureAwait(false);
        return Results.Json(page, AuditJsonContext.Default.AuditPage);
    }

    [GeneratedRegex("^[a-z_]{1,32}(\\.[a-z_]{1,32})?$")]
    private static partial Regex KindPattern();

    [GeneratedRegex("^[0-9A-HJKMNP-TV-Z]{26}$")]
    private static partial Regex CursorPattern();
}
