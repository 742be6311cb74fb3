using System.Buffers;
using System.IO.Compression;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace LensAI.Backend.Http;

/// <summary>
/// Bounded body reads for the handlers, so a size limit is enforced by the endpoint itself whatever the host
/// (Kestrel's own limit, the Functions host's, or none).
/// </summary>
internal static class RequestBody
{
    /// <summary>The most a small JSON or form body (<c>PUT /v1/budgets</c>, Slack actions) may hold: 1 MiB.</summary>
    public const int MaxSmallBodyBytes = 1024 * 1024;

    /// <summary>Reads a small body whole; throws <see cref="RequestBodyTooLargeException"/> past <paramref name="max"/> bytes.</summary>
    public static async Task<byte[]> ReadAllAsync(HttpRequest request, int max, CancellationToken cancellationToken)
    {
        if (request.ContentLength > max)
        {
            throw new RequestBodyTooLargeException();
        }

        var (buffer, length) = await ReadPooledAsync(request.Body, max, gzip: false, cancellationToken).ConfigureAwait(false);
        try
        {
            return buffer.AsSpan(0, length).ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Reads a small JSON body (<see cref="MaxSmallBodyBytes"/>): the bytes, or the answer that refuses the request
    /// instead (415 when it is not JSON, 413 when it is too large).
    /// </summary>
    public static async Task<(byte[]? Body, IResult? Refusal)> ReadSmallJsonAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (NotJson(request) is { } unsupported)
        {
            return (null, unsupported);
        }

        try
        {
            return (await ReadAllAsync(request, MaxSmallBodyBytes, cancellationToken).ConfigureAwait(false), null);
        }
        catch (RequestBodyTooLargeException)
        {
            return (null, TooLarge(MaxSmallBodyBytes));
        }
    }

    /// <summary>The 413 answer for a body past <paramref name="max"/> bytes.</summary>
    public static IResult TooLarge(long max)
        => Problems.Of(StatusCodes.Status413PayloadTooLarge, "body-too-large", "Payload too large", $"The body exceeds {max} bytes.");

    /// <summary>
    /// The 413 answer when a request to an endpoint that takes no body (the GETs) carries one, announced by
    /// <c>Content-Length</c> or sent chunked; null otherwise. The body is never read.
    /// </summary>
    public static IResult? RefuseAnyBody(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var hasBody = request.ContentLength > 0
            || (request.ContentLength is null && request.HttpContext.Features.Get<IHttpRequestBodyDetectionFeature>() is { CanHaveBody: true });
        return hasBody
            ? Problems.Of(StatusCodes.Status413PayloadTooLarge, "body-not-allowed", "Payload too large", "This endpoint takes no request body.")
            : null;
    }

    /// <summary>
    /// The 415 answer unless the body is JSON: <c>Content-Type</c> absent, or exactly <c>application/json</c> with at
    /// most a <c>charset=utf-8</c> parameter (<c>application/jsonevil</c> and <c>text/plain</c> are refused).
    /// </summary>
    public static IResult? NotJson(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var text = request.ContentType;
        if (text is null)
        {
            return null;
        }

        if (MediaTypeHeaderValue.TryParse(text, out var type)
            && type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            && type.Parameters.All(p => p.Name.Equals("charset", StringComparison.OrdinalIgnoreCase)
                && (p.Value.Equals("utf-8", StringComparison.OrdinalIgnoreCase) || p.Value.Equals("\"utf-8\"", StringComparison.OrdinalIgnoreCase))))
        {
            return null;
        }

        var shown = text.Length > 100 ? text[..100] + "…" : text;
        return Problems.Of(StatusCodes.Status415UnsupportedMediaType, "unsupported-media-type", "Unsupported media type", $"Content-Type must be application/json (charset utf-8); got '{shown}'.");
    }

    /// <summary>
    /// Reads the body into a buffer rented from <see cref="ArrayPool{T}.Shared"/> (the caller returns it), inflating
    /// gzip on the way; stops as soon as <paramref name="max"/> is passed, so a gzip bomb never inflates past it. A gzip
    /// body must be exactly one gzip stream: trailing bytes or a cut-short stream throw <see cref="GzipFramingException"/>.
    /// </summary>
    public static async Task<(byte[] Buffer, int Length)> ReadPooledAsync(Stream body, long max, bool gzip, CancellationToken cancellationToken)
    {
        var raw = gzip ? new EndObservingStream(body) : null;
        var source = raw is null ? body : new GZipStream(raw, CompressionMode.Decompress, leaveOpen: true);
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(64 * 1024, max + 1));
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
                    raw?.CheckFraming(length);
                    return (buffer, length);
                }

                length += n;
                if (length > max)
                {
                    throw new RequestBodyTooLargeException();
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

    /// <summary>
    /// A read-only pass-through that notes whether a read reached the end of the inner stream, and keeps the last four
    /// bytes read (a gzip stream's last field: the inflated length, mod 2³²).
    /// </summary>
    private sealed class EndObservingStream(Stream inner) : Stream
    {
        private readonly byte[] _tail = new byte[4];
        private long _read;
        private bool _sawEnd;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        /// <summary>
        /// Once the inflater has returned everything: it asks its source for more only when it has used every byte it
        /// holds, so a gzip stream followed by other bytes ends without reaching the end of the body; and zlib checks a
        /// stream's trailer only when it gets there, so a stream cut short is caught by its length field.
        /// </summary>
        public void CheckFraming(long inflated)
        {
            if (!_sawEnd)
            {
                throw new GzipFramingException("bytes follow the end of the gzip data");
            }

            if (_read < 18 || System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(_tail) != (uint)inflated)
            {
                throw new GzipFramingException("the body ends before its gzip data does");
            }
        }

        public override int Read(byte[] buffer, int offset, int count) => Note(buffer.AsSpan(offset, inner.Read(buffer, offset, count)), count);

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            return Note(buffer.Span[..n], buffer.Length);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private int Note(ReadOnlySpan<byte> read, int asked)
        {
            _sawEnd |= read.Length == 0 && asked > 0;
            _read += read.Length;
            if (read.Length >= 4)
            {
                read[^4..].CopyTo(_tail);
            }
            else if (read.Length > 0)
            {
                _tail.AsSpan(read.Length).CopyTo(_tail); // shift left, then append
                read.CopyTo(_tail.AsSpan(4 - read.Length));
            }

            return read.Length;
        }
    }
}
