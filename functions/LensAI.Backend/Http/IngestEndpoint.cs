using System.Buffers;
using System.Text.Json.Serialization;
using LensAI.Backend.Ingest;
using LensAI.Backend.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace LensAI.Backend.Http;

/// <summary>
/// <c>POST /v1/events</c>: a batch of usage events (<c>{"events":[…]}</c>, optionally gzip). Bad input is a 400 naming
/// every bad field, a wrong key 401, an oversize body 413 (checked against <c>Content-Length</c> and again while
/// reading, so a gzip bomb never inflates past the limit), throttling 429, storage down 503 with <c>Retry-After</c>.
/// The answer lists at most <see cref="MaxRejectedListed"/> refused events (each with at most
/// <see cref="EventBatchReader.MaxErrorsPerEvent"/> errors) and counts the rest, so it stays small whatever the body.
/// </summary>
internal sealed class IngestEndpoint(IngestService ingest, IngestMetrics metrics, BackendOptions options)
{
    /// <summary>The most refused events an answer lists; <c>rejected_count</c> counts them all.</summary>
    public const int MaxRejectedListed = 10;

    /// <summary>Handles one request (<c>POST /v1/events</c>).</summary>
    public async Task<IResult> PostAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var project = ApiCaller.Of(http).Project;
        var limits = ingest.Limits;
        var request = http.Request;
        if (request.ContentLength > limits.MaxRequestBytes)
        {
            metrics.Batches.Add(1, new KeyValuePair<string, object?>("outcome", "too_large"));
            return Problems.Of(413, "body-too-large", "Payload too large", $"The body is {request.ContentLength} bytes; the limit is {limits.MaxRequestBytes}. Send smaller batches.");
        }

        if (RequestBody.NotJson(request) is { } unsupported)
        {
            return unsupported;
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
                (rented, length) = await RequestBody.ReadPooledAsync(request.Body, gzip ? limits.MaxDecompressedBytes : limits.MaxRequestBytes, gzip, http.RequestAborted).ConfigureAwait(false);
            }
            catch (RequestBodyTooLargeException)
            {
                metrics.Batches.Add(1, new KeyValuePair<string, object?>("outcome", "too_large"));
                return Problems.Of(413, "body-too-large", "Payload too large", gzip
                    ? $"The body inflates to more than {limits.MaxDecompressedBytes} bytes; send smaller batches."
                    : $"The body exceeds {limits.MaxRequestBytes} bytes; send smaller batches.");
            }
            catch (InvalidDataException)
            {
                return Problems.Of(400, "invalid-gzip", "Invalid gzip body", "Content-Encoding is gzip but the body is not valid gzip data.");
            }
            catch (GzipFramingException ex)
            {
                return Problems.Of(400, "invalid-gzip", "Invalid gzip body", $"Content-Encoding is gzip but {ex.Message}; send exactly one gzip stream.");
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

            var rejected = result.Rejected.Take(MaxRejectedListed)
                .Select(r => new RejectedDto(r.Index, r.Errors.Select(e => new FieldErrorDto(e.Pointer, e.Message)).ToList(), r.MoreErrors > 0 ? r.MoreErrors : null))
                .ToList();
            var count = result.Rejected.Count;
            if (result.Accepted == 0)
            {
                metrics.Batches.Add(1, new KeyValuePair<string, object?>("outcome", "invalid"));
                var listed = count > rejected.Count ? $"the first {rejected.Count} are in errors" : "see errors";
                return Problems.Of(400, "invalid-events", "Invalid events", $"None of the {count} event(s) is valid; {listed}.",
                    new Dictionary<string, object?> { ["errors"] = rejected, ["rejected_count"] = count });
            }

            metrics.Batches.Add(1, new KeyValuePair<string, object?>("outcome", count == 0 ? "accepted" : "partial"));
            return Results.Ok(new IngestResponse(result.Accepted, rejected, count, result.Conflicts));
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    internal sealed record IngestResponse(
        int Accepted,
        IReadOnlyList<RejectedDto> Rejected,
        [property: JsonPropertyName("rejected_count")] int RejectedCount,
        int Conflicts);

    internal sealed record RejectedDto(
        int Index,
        IReadOnlyList<FieldErrorDto> Errors,
        [property: JsonPropertyName("more_errors"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? MoreErrors);

    internal sealed record FieldErrorDto(string Pointer, string Message);
}
