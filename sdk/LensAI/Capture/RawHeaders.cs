using System.Globalization;
using System.Net.Http.Headers;

namespace LensAI.Capture;

/// <summary>
/// Reads the content headers capture needs without parsing them. <see cref="HttpHeaders"/> parses a raw value (under
/// a lock) the first time a typed property such as <see cref="HttpContentHeaders.ContentType"/> is read; a response
/// from <see cref="SocketsHttpHandler"/> holds raw strings, so reading them raw keeps that cost for callers who ask.
/// </summary>
internal static class RawHeaders
{
    /// <summary>Whether the content is a server-sent event stream (<c>text/event-stream</c>, parameters allowed).</summary>
    public static bool IsEventStream(HttpContentHeaders headers)
    {
        var value = First(headers, "Content-Type");
        if (value is null)
        {
            return false;
        }

        var mediaType = value.AsSpan().Trim();
        var end = mediaType.IndexOf(';');
        if (end >= 0)
        {
            mediaType = mediaType[..end].TrimEnd();
        }

        return mediaType.Equals("text/event-stream", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The declared length; <see langword="null"/> when none is sent (chunked) or the value is not a length.</summary>
    public static long? ContentLength(HttpContentHeaders headers)
    {
        if (First(headers, "Content-Length") is { } raw)
        {
            return long.TryParse(raw.AsSpan().Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var length) ? length : null;
        }

        // Not sent as a header: in-memory content computes it (byte, string and memory content know their length).
        return headers.ContentLength;
    }

    private static string? First(HttpContentHeaders headers, string name)
    {
        if (headers.NonValidated.TryGetValues(name, out var values))
        {
            foreach (var value in values)
            {
                return value;
            }
        }

        return null;
    }
}
