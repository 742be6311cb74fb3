using System.Buffers;
using System.Globalization;
using System.IO.Compression;
using LensAI.Backend.Export;
using LensAI.Backend.Ingest;
using LensAI.Backend.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace LensAI.Backend.Http;

/// <summary>Maps the LensAI HTTP API onto an ASP.NET Core app (the function app and the embedded default alike).</summary>
public static class LensAIEndpoints
{
    /// <summary>The rate-limiter policy applied per API key on the <c>/v1</c> endpoints.</summary>
    public const string PerKeyPolicy = "lensai-per-key";

    /// <summary><c>POST /v1/events</c>, <c>GET /v1/export</c> and <c>GET /healthz</c>.</summary>
    public static IEndpointRouteBuilder MapLensAIIngest(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", HealthAsync);
        var v1 = app.MapGroup("/v1").AddEndpointFilter<ApiKeyAuthentication>().RequireRateLimiting(PerKeyPolicy);
        v1.MapPost("/events", PostEventsAsync);
        v1.MapGet("/export", ExportAsync);
        return app;
    }

    private static async Task<IResult> HealthAsync(IObjectStore store, CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            await foreach (var _ in store.ListAsync("_system/", timeout.Token).ConfigureAwait(false))
            {
                break;
            }

            return Results.Ok(new HealthReport("ok", store.Kind));
        }
        catch (Exception ex) when (ex is ObjectStoreException or OperationCanceledException)
        {
            return Results.Json(new HealthReport("storage unavailable", store.Kind), statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    internal sealed record HealthReport(string Status, string Storage);

    private static async Task<IResult> PostEventsAsync(HttpContext http, IngestService ingest, IngestMetrics metrics, BackendOptions options)
    {
        var project = ApiKeyAuthentication.ProjectOf(http);
        var limits = ingest.Limits;
        var request = http.Request;
        if (request.ContentLength > limits.MaxRequestBytes)
        {
            metrics.Batches.Add(1, new KeyValuePair<string, object?>("outcome", "too_large"));
            return Problems.Of(413, "body-too-large", "Payload too large", $"The body is {request.ContentLength} bytes; the limit is {limits.MaxRequestBytes}. Send smaller batches.");
        }

        if (request.ContentType is { } contentType && !contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return Problems.Of(415, "unsupported-media-type", "Unsupported media type", $"Content-Type must be application/json; got '{contentType}'.");
        }

        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = limits.MaxRequestBytes + 1;
        }

        var encoding = request.Headers.ContentEncoding.ToString();
        var gzip = encoding.Equals("gzip", StringComparison.OrdinalIgnoreCase);
        if (!gzip && encoding.Length > 0 && !encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            return Problems.Of(415, "unsupported-encoding", "Unsupported content encoding", $"Content-Encoding must be gzip or absent; got '{encoding}'.");
        }

        byte[]? rented = null;
        try
        {
            int length;
            try
            {
                (rented, length) = await ReadBodyAsync(request.Body, gzip, limits, http.RequestAborted).ConfigureAwait(false);
            }
            catch (BodyTooLargeException ex)
            {
                metrics.Batches.Add(1, new KeyValuePair<string, object?>("outcome", "too_large"));
                return Problems.Of(413, "body-too-large", "Payload too large", ex.Message);
            }
            catch (InvalidDataException)
            {
                return Problems.Of(400, "invalid-gzip", "Invalid gzip body", "Content-Encoding is gzip but the body is not valid gzip data.");
            }
            catch (BadHttpRequestException ex) when (ex.StatusCode == 413)
            {
                return Problems.Of(413, "body-too-large", "Payload too large", $"The body exceeds {limits.MaxRequestBytes} bytes.");
            }

            metrics.Bytes.Add(request.ContentLength ?? length);
            IngestResult result;
            try
            {
                result = await ingest.IngestAsync(project, rented.AsMemory(0, length), http.RequestAborted).ConfigureAwait(false);
            }
            catch (BatchFormatException ex)
            {
                metrics.Batches.Add(1, new KeyValuePair<string, object?>("outcome", "malformed"));
                return Problems.Of(ex.Status, ex.Status == 413 ? "too-many-events" : "malformed-batch", ex.Status == 413 ? "Too many events" : "Malformed batch", ex.Message);
            }
            catch (ObjectStoreException ex)
            {
                metrics.Batches.Add(1, new KeyValuePair<string, object?>("outcome", "storage_unavailable"));
                return Problems.Of(503, "storage-unavailable", "Storage unavailable", "The events could not be stored right now; nothing was kept. Retry later. (" + ex.Message + ")", retryAfter: options.StorageRetryAfter);
            }

            var rejected = result.Rejected.Select(r => new RejectedDto(r.Index, r.Errors.Select(e => new FieldErrorDto(e.Pointer, e.Message)).ToList())).ToList();
            if (result.Accepted == 0)
            {
                metrics.Batches.Add(1, new KeyValuePair<string, object?>("outcome", "invalid"));
                return Problems.Of(400, "invalid-events", "Invalid events", $"None of the {rejected.Count} event(s) is valid; see errors.", new Dictionary<string, object?> { ["errors"] = rejected });
            }

            metrics.Batches.Add(1, new KeyValuePair<string, object?>("outcome", rejected.Count == 0 ? "accepted" : "partial"));
            return Results.Ok(new IngestResponse(result.Accepted, rejected));
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    internal sealed record IngestResponse(int Accepted, IReadOnlyList<RejectedDto> Rejected);

    internal sealed record RejectedDto(int Index, IReadOnlyList<FieldErrorDto> Errors);

    internal sealed record FieldErrorDto(string Pointer, string Message);

    private sealed class BodyTooLargeException(string message) : Exception(message);

    /// <summary>Reads the body into a pooled buffer, inflating gzip on the way; stops as soon as a limit is passed (a gzip bomb never inflates past it).</summary>
    private static async Task<(byte[] Buffer, int Length)> ReadBodyAsync(Stream body, bool gzip, IngestLimits limits, CancellationToken cancellationToken)
    {
        var max = gzip ? limits.MaxDecompressedBytes : limits.MaxRequestBytes;
        var source = gzip ? new GZipStream(body, CompressionMode.Decompress, leaveOpen: true) : body;
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, max + 1));
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }

                var n = await source.ReadAsync(buffer.AsMemory(length, (int)Math.Min(buffer.Length - length, max + 1 - length)), cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    return (buffer, length);
                }

                length += n;
                if (length > max)
                {
                    throw new BodyTooLargeException(gzip
                        ? $"The body inflates to more than {limits.MaxDecompressedBytes} bytes; send smaller batches."
                        : $"The body exceeds {limits.MaxRequestBytes} bytes; send smaller batches.");
                }
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
        finally
        {
            if (gzip)
            {
                await source.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task<IResult> ExportAsync(HttpContext http, ExportService export, string? from, string? to, string? format)
    {
        var project = ApiKeyAuthentication.ProjectOf(http);
        if (!TryParseInstant(from, out var start) || !TryParseInstant(to, out var end))
        {
            return Problems.Of(400, "invalid-range", "Invalid range", "Give 'from' and 'to' as dates (2026-11-01) or ISO 8601 timestamps; 'to' is exclusive.");
        }

        var kind = (format ?? "parquet").ToLowerInvariant() switch
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

    private static bool TryParseInstant(string? text, out DateTimeOffset value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            value = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            return true;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out value))
        {
            value = value.ToUniversalTime();
            return true;
        }

        return false;
    }
}
