namespace LensAI.Shipping;

/// <summary>A batch taken from the spool for sending: <see cref="Complete"/> once delivered, <see cref="Release"/> to put it back.</summary>
internal sealed class SpoolLease(DiskSpool spool, string path, byte[] payload, int eventCount)
{
    public string Path { get; } = path;

    public byte[] Payload { get; } = payload;

    public int EventCount { get; } = eventCount;

    public void Complete() => spool.Complete(this);

    public void Release() => spool.Release(this);
}
