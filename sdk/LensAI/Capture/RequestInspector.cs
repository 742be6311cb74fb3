using System.Buffers;
using System.Net.Http.Headers;
using System.Text.Json;

namespace LensAI.Capture;

/// <summary>
/// Reads the top level of a JSON request body without changing what is sent. Only bodies that can be read
/// without consuming them are read (byte/string/memory content, or content that buffers itself).
/// </summary>
internal static class RequestInspector
{
    /// <summary>Bodies larger than this are not inspected (uploads, huge prompts): the call is still captured.</summary>
    public const int MaxInspectedBytes = 4 * 1024 * 1024;

    /// <remarks>The returned buffer (if any) is rented from <see cref="ArrayPool{T}.Shared"/>; the caller returns it.</remarks>
    public static ValueTask<(RequestInfo Info, byte[]? Rented, int Length)> ReadAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var content = request.Content;
        if (content is null || !IsJson(content.Headers.ContentType))
        {
            return default;
        }

        if (content is ByteArrayContent or ReadOnlyMemoryContent)
        {
            // Already in memory (byte, string and memory content): read synchronously, no async machinery per call.
            Stream stream;
            try
            {
                stream = content.ReadAsStream(cancellationToken);
            }
            catch (HttpRequestException)
            {
                return ReadBufferedAsync(content, cancellationToken); // its stream was asked for asynchronously before
            }

            if (stream.CanSeek && stream.Length > MaxInspectedBytes)
            {
                return default;
            }

            return new ValueTask<(RequestInfo, byte[]?, int)>(Read(stream, stream.CanSeek ? (int)stream.Length : 4096));
        }

        return ReadBufferedAsync(content, cancellationToken);
    }

    /// <summary>Reads content that can be read without consuming it (it buffers itself); never a caller's <see cref="StreamContent"/>.</summary>
    private static async ValueTask<(RequestInfo Info, byte[]? Rented, int Length)> ReadBufferedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        var length = content.Headers.ContentLength;
        if (length > MaxInspectedBytes || content is StreamContent)
        {
            return default; // too large to look at, or reading would consume the caller's stream
        }

        // e.g. JsonContent: buffering serializes it once; the send then uses the buffer.
#if NET9_0_OR_GREATER
        await content.LoadIntoBufferAsync(MaxInspectedBytes, cancellationToken).ConfigureAwait(false);
#else
        await content.LoadIntoBufferAsync(MaxInspectedBytes).ConfigureAwait(false);
#endif

        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        return Read(stream, length is > 0 ? (int)length.Value : 4096);
    }

    /// <summary>
    /// Reads a body from the stream its content caches, into a rented buffer, and leaves that stream open and
    /// rewound, so the same request can be read again — by a retry handler outside LensAI that sends it once more,
    /// and by LensAI capturing that attempt.
    /// </summary>
    private static (RequestInfo Info, byte[]? Rented, int Length) Read(Stream stream, int sizeHint)
    {
        var rented = ArrayPool<byte>.Shared.Rent(Math.Max(sizeHint, 16));
        var read = 0;
        try
        {
            while (true)
            {
                if (read == rented.Length)
                {
                    if (rented.Length >= MaxInspectedBytes)
                    {
                        ArrayPool<byte>.Shared.Return(rented);
                        return default;
                    }

                    var bigger = ArrayPool<byte>.Shared.Rent(rented.Length * 2);
                    rented.AsSpan(0, read).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(rented);
                    rented = bigger;
                }

                var n = stream.Read(rented, read, rented.Length - read);
                if (n == 0)
                {
                    break;
                }

                read += n;
            }

            return (Parse(rented.AsSpan(0, read)), rented, read);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(rented);
            throw;
        }
        finally
        {
            if (stream.CanSeek)
            {
                stream.Position = 0;
            }
        }
    }

    internal static RequestInfo Parse(ReadOnlySpan<byte> json)
    {
        var info = new RequestInfo { BodyBytes = json.Length };
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return info;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("model"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String)
                    {
                        info.Model = reader.ValueIsEscaped ? reader.GetString() : ModelNames.Get(reader.ValueSpan);
                    }
                }
                else if (reader.ValueTextEquals("stream"u8))
                {
                    reader.Read();
                    info.Stream = reader.TokenType == JsonTokenType.True;
                }
                else if (reader.ValueTextEquals("stream_options"u8))
                {
                    info.HasStreamOptions = true;
                    reader.Read();
                    reader.Skip();
                }
                else if (reader.ValueTextEquals("max_tokens"u8) || reader.ValueTextEquals("max_completion_tokens"u8) || reader.ValueTextEquals("max_output_tokens"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var max))
                    {
                        info.MaxOutputTokens = max;
                    }
                }
                else if (reader.ValueTextEquals("generationConfig"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                        {
                            var isMax = reader.ValueTextEquals("maxOutputTokens"u8);
                            reader.Read();
                            if (isMax && reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var max))
                            {
                                info.MaxOutputTokens = max;
                            }
                            else
                            {
                                reader.Skip();
                            }
                        }
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            // Not our business: the provider will answer the caller's malformed body.
        }

        return info;
    }

    /// <summary>
    /// Returns a copy of <paramref name="body"/> (a JSON object) with <c>"stream_options":{"include_usage":true}</c>
    /// added as its last member, or <see langword="null"/> when the body does not end like an object.
    /// </summary>
    internal static byte[]? WithIncludeUsage(ReadOnlySpan<byte> body)
    {
        var end = body.LastIndexOf((byte)'}');
        if (end < 0)
        {
            return null;
        }

        var head = body[..end].TrimEnd(" \t\r\n"u8);
        var empty = head.Length > 0 && head[^1] == (byte)'{';
        ReadOnlySpan<byte> member = "\"stream_options\":{\"include_usage\":true}"u8;
        var result = new byte[head.Length + (empty ? 0 : 1) + member.Length + (body.Length - end)];
        head.CopyTo(result);
        var at = head.Length;
        if (!empty)
        {
            result[at++] = (byte)',';
        }

        member.CopyTo(result.AsSpan(at));
        at += member.Length;
        body[end..].CopyTo(result.AsSpan(at));
        return result;
    }

    internal static bool IsJson(MediaTypeHeaderValue? contentType)
        => contentType?.MediaType is { } mediaType
           && (mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
               || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
}
