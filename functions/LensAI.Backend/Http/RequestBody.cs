using System.Buffers;
using System.IO.Compression;
using Microsoft.AspNetCore.Http;

namespace LensAI.Backend.Http;

/// <summary>The request body was longer than the endpoint accepts (answered 413).</summary>
internal sealed class RequestBodyTooLargeException() : Exception("The request body is too large.");

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

    /// <summary>The 413 answer for a body past <paramref name="max"/> bytes.</summary>
    public static IResult TooLarge(long max)
        => Problems.Of(StatusCodes.Status413PayloadTooLarge, "body-too-large", "Payload too large", $"The body exceeds {max} bytes.");

    /// <summary>
    /// Reads the body into a buffer rented from <see cref="ArrayPool{T}.Shared"/> (the caller returns it), inflating
    /// gzip on the way; stops as soon as <paramref name="max"/> is passed, so a gzip bomb never inflates past it.
    /// </summary>
    public static async Task<(byte[] Buffer, int Length)> ReadPooledAsync(Stream body, long max, bool gzip, CancellationToken cancellationToken)
    {
        var source = gzip ? new GZipStream(body, CompressionMode.Decompress, leaveOpen: true) : body;
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
}
