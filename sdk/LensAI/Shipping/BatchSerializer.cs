using System.IO.Compression;
using System.Text.Json;

namespace LensAI.Shipping;

/// <summary>Serializes a batch as the ingest endpoint expects it: gzip-compressed <c>{"events":[…]}</c>.</summary>
internal static class BatchSerializer
{
    public static byte[] Serialize(IReadOnlyList<UsageEvent> events)
    {
        using var buffer = new MemoryStream(256 + (events.Count * 320));
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        using (var writer = new Utf8JsonWriter(gzip))
        {
            writer.WriteStartObject();
            writer.WritePropertyName("events"u8);
            writer.WriteStartArray();
            foreach (var e in events)
            {
                JsonSerializer.Serialize(writer, e, LensAIJsonContext.Default.UsageEvent);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>Reads a payload back (used to split a batch the server found too large).</summary>
    public static List<UsageEvent> Deserialize(ReadOnlySpan<byte> gzipPayload)
    {
        using var input = new MemoryStream(gzipPayload.ToArray());
        using var gzip = new GZipStream(input, CompressionMode.Decompress);
        var batch = JsonSerializer.Deserialize(gzip, LensAIJsonContext.Default.UsageEventBatch)
            ?? throw new JsonException("The spooled batch is empty.");
        return batch.Events.ToList();
    }
}
