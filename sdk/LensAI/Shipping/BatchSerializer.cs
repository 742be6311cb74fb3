using System.Buffers;
using System.IO.Compression;
using System.Text.Json;

namespace LensAI.Shipping;

/// <summary>Serializes a batch as the ingest endpoint expects it: gzip-compressed <c>{"events":[…]}</c>.</summary>
internal static class BatchSerializer
{
    /// <summary>Serializes <paramref name="count"/> events from <paramref name="start"/> into a pooled buffer (dispose it to return it).</summary>
    /// <remarks>
    /// The JSON is written uncompressed first and compressed in one pass: the serializer flushes its writer after
    /// every event, and a flush straight into the deflater costs a deflate call per event (most of the batch's time).
    /// </remarks>
    public static PooledBuffer Serialize(IReadOnlyList<UsageEvent> events, int start, int count)
    {
        using var json = new PooledBuffer(256 + (count * 512));
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            writer.WritePropertyName("events"u8);
            writer.WriteStartArray();
            for (var i = start; i < start + count; i++)
            {
                JsonSerializer.Serialize(writer, events[i], LensAIJsonContext.Default.UsageEvent);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        var buffer = new PooledBuffer(256 + (json.Memory.Length / 4));
        try
        {
            using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
            {
                gzip.Write(json.Memory.Span);
            }

            return buffer;
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }

    /// <summary>Serializes a whole batch into a new array (tests, and small one-off payloads).</summary>
    public static byte[] Serialize(IReadOnlyList<UsageEvent> events)
    {
        using var buffer = Serialize(events, 0, events.Count);
        return buffer.Memory.ToArray();
    }

    /// <summary>Reads a payload back (a spooled batch the server found too large is split from its events).</summary>
    public static List<UsageEvent> Deserialize(ReadOnlySpan<byte> gzipPayload)
    {
        using var input = new MemoryStream(gzipPayload.ToArray());
        using var gzip = new GZipStream(input, CompressionMode.Decompress);
        var batch = JsonSerializer.Deserialize(gzip, LensAIJsonContext.Default.UsageEventBatch)
            ?? throw new JsonException("The spooled batch is empty.");
        return batch.Events.ToList();
    }
}
