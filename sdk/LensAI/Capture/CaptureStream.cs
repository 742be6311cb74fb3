namespace LensAI.Capture;

/// <summary>The read side of <see cref="CaptureContent"/>: passes reads through and shows each chunk to the capture.</summary>
internal sealed class CaptureStream : Stream
{
    private readonly Stream _inner;
    private readonly CallCapture _capture;
    private readonly long _expectedLength;
    private long _read;

    public CaptureStream(Stream inner, CallCapture capture, long? expectedLength)
    {
        _inner = inner;
        _capture = capture;
        _expectedLength = expectedLength ?? -1;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n;
        try
        {
            n = _inner.Read(buffer);
        }
        catch
        {
            _capture.Complete(CaptureEnd.Broken);
            throw;
        }

        Observe(buffer[..n], buffer.Length);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ValueTask<int> read;
        try
        {
            read = _inner.ReadAsync(buffer, cancellationToken);
        }
        catch
        {
            _capture.Complete(CaptureEnd.Broken);
            throw;
        }

        if (!read.IsCompletedSuccessfully)
        {
            return ReadSlowAsync(read, buffer);
        }

        var n = read.Result;
        Observe(buffer.Span[..n], buffer.Length);
        return new ValueTask<int>(n);
    }

    private async ValueTask<int> ReadSlowAsync(ValueTask<int> read, Memory<byte> buffer)
    {
        int n;
        try
        {
            n = await read.ConfigureAwait(false);
        }
        catch
        {
            _capture.Complete(CaptureEnd.Broken);
            throw;
        }

        Observe(buffer.Span[..n], buffer.Length);
        return n;
    }

    public override int ReadByte()
    {
        Span<byte> one = stackalloc byte[1];
        return Read(one) == 0 ? -1 : one[0];
    }

    private void Observe(ReadOnlySpan<byte> bytes, int requested)
    {
        if (bytes.IsEmpty)
        {
            if (requested > 0)
            {
                _capture.Complete(CaptureEnd.Completed); // end of stream (a zero-byte read is only a wait)
            }

            return;
        }

        if (_read == 0 && bytes.Length == _expectedLength)
        {
            _capture.OnWholeBody(bytes); // buffered responses arrive in one read: one parse, no carry-over
        }
        else
        {
            _capture.OnBytes(bytes);
        }

        _read += bytes.Length;
        if (_read == _expectedLength)
        {
            _capture.Complete(CaptureEnd.Completed);
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
            _capture.Complete(CaptureEnd.Abandoned);
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await _inner.DisposeAsync().ConfigureAwait(false);
        _capture.Complete(CaptureEnd.Abandoned);
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
