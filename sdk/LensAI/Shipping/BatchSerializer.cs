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

/// <summary>A write-only stream over an <see cref="ArrayPool{T}"/> buffer that grows as needed; disposing returns the buffer.</summary>
internal sealed class PooledBuffer : Stream
{
    private byte[] _buffer;
    private int _length;

    public PooledBuffer(int initialCapacity) => _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(initialCapacity, 256));

    /// <summary>The bytes written so far.</summary>
    public ReadOnlyMemory<byte> Memory => _buffer.AsMemory(0, _length);

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => _length;

    public override long Position
    {
        get => _length;
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (_length + buffer.Length > _buffer.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + buffer.Length));
            _buffer.AsSpan(0, _length).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
        }

        buffer.CopyTo(_buffer.AsSpan(_length));
        _length += buffer.Length;
    }

    public override void WriteByte(byte value) => Write([value]);

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && _buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
            _length = 0;
        }

        base.Dispose(disposing);
    }
}
