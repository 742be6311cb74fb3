namespace LensAI.Shipping;

/// <summary>
/// A batch on its way to the ingest endpoint: events (serialized once; a 413 splits the events themselves, never a
/// re-read of what was just serialized) or a spooled payload (read back only when it has to be split).
/// </summary>
internal sealed class OutgoingBatch : IDisposable
{
    private readonly IReadOnlyList<UsageEvent>? _events;
    private readonly int _start;
    private readonly ReadOnlyMemory<byte> _spooled;
    private PooledBuffer? _serialized;

    private OutgoingBatch(IReadOnlyList<UsageEvent>? events, int start, int count, ReadOnlyMemory<byte> spooled)
    {
        _events = events;
        _start = start;
        Count = count;
        _spooled = spooled;
    }

    public int Count { get; }

    /// <summary>The gzip JSON body: serialized on first use, kept until disposed.</summary>
    public ReadOnlyMemory<byte> Payload
        => _events is null ? _spooled : (_serialized ??= BatchSerializer.Serialize(_events, _start, Count)).Memory;

    public static OutgoingBatch Of(IReadOnlyList<UsageEvent> events) => new(events, 0, events.Count, default);

    public static OutgoingBatch Spooled(ReadOnlyMemory<byte> payload, int count) => new(null, 0, count, payload);

    /// <summary>Two halves of the batch (a spooled payload is read back into its events first).</summary>
    public (OutgoingBatch First, OutgoingBatch Second) Split()
    {
        IReadOnlyList<UsageEvent> events;
        int start, count;
        if (_events is not null)
        {
            (events, start, count) = (_events, _start, Count);
        }
        else
        {
            var read = BatchSerializer.Deserialize(_spooled.Span);
            (events, start, count) = (read, 0, read.Count);
        }

        var half = count / 2;
        return (new OutgoingBatch(events, start, half, default), new OutgoingBatch(events, start + half, count - half, default));
    }

    public void Dispose()
    {
        _serialized?.Dispose();
        _serialized = null;
    }
}
