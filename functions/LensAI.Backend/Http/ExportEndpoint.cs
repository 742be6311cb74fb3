using LensAI.Backend.Export;
using LensAI.Backend.Storage;
using Microsoft.AspNetCore.Http;

namespace LensAI.Backend.Http;

/// <summary><c>GET /v1/export?from=&amp;to=&amp;format=parquet|csv</c>: the caller's own events for the range (<c>to</c> exclusive), deduplicated.</summary>
internal sealed class ExportEndpoint(ExportService export)
{
    /// <summary>Handles one request.</summary>
    public async Task<IResult> GetAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (RequestBody.RefuseAnyBody(http.Request) is { } refused)
        {
            return refused;
        }

        var project = ApiCaller.Of(http).Project;
        var query = http.Request.Query;
        if (QueryValues.Instant(query["from"]) is not { } start || QueryValues.Instant(query["to"]) is not { } end)
        {
            return Problems.Of(400, "invalid-range", "Invalid range", "Give 'from' and 'to' as dates (2026-11-01) or ISO 8601 timestamps; 'to' is exclusive.");
        }

        var format = query["format"].ToString();
        var kind = (format.Length == 0 ? "parquet" : format).ToLowerInvariant() switch
        {
            "parquet" => ExportFormat.Parquet,
            "csv" => ExportFormat.Csv,
            _ => (ExportFormat?)null,
        };
        if (kind is null)
        {
            return Problems.Of(400, "invalid-format", "Invalid format", $"format must be parquet or csv; got '{format}'.");
        }

        string path;
        try
        {
            (path, _) = await export.ExportAsync(project, start, end, kind.Value, http.RequestAborted).ConfigureAwait(false);
        }
        catch (ArgumentException ex)
        {
            return Problems.Of(400, "invalid-range", "Invalid range", ex.Message);
        }
        catch (ObjectStoreException ex)
        {
            return Problems.Of(503, "storage-unavailable", "Storage unavailable", ex.Message, retryAfter: TimeSpan.FromSeconds(5));
        }

        var name = $"lensai-{project}-{start:yyyyMMdd}-{end:yyyyMMdd}.{(kind == ExportFormat.Csv ? "csv" : "parquet")}";
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 64 * 1024, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        return Results.File(stream, kind == ExportFormat.Csv ? "text/csv" : "application/vnd.apache.parquet", name);
    }
}
