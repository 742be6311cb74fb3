using System.Net;
using System.Text;
using System.Threading.Tasks.Sources;

namespace LensAI.Benchmarks;

/// <summary>The two ways a benchmarked call reaches the "provider".</summary>
public enum Transport
{
    /// <summary>An in-memory <see cref="HttpMessageHandler"/> that returns the recorded response as a <see cref="ByteArrayContent"/>.</summary>
    InMemory,

    /// <summary>
    /// A real <see cref="SocketsHttpHandler"/> (HTTP/1.1 framing, connection pool, its built-in diagnostics handler that
    /// OpenTelemetry's HttpClient instrumentation listens to) whose connection is an in-memory stream answering with
    /// the recorded response: no kernel sockets, no other thread.
    /// </summary>
    Sockets,
}

/// <summary>Builds the inner handler of each <see cref="Transport"/>.</summary>
internal static class Transports
{
    public static HttpMessageHandler Create(Transport transport, byte[] body, string contentType) => transport switch
    {
        Transport.InMemory => new FixtureHandler(body, contentType),
        _ => new SocketsHttpHandler
        {
            ConnectCallback = (_, _) => ValueTask.FromResult<Stream>(new CannedHttpConnection(body, contentType)),
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
        },
    };

    /// <summary>The URL of a call: TLS is not what is measured, so the sockets transport speaks plain HTTP/1.1 to the same host.</summary>
    public static Uri ChatUrl(Transport transport)
        => new(transport == Transport.InMemory ? "https://api.openai.com/v1/chat/completions" : "http://api.openai.com/v1/chat/completions");

    public static Uri OpenAIEndpoint(Transport transport)
        => new(transport == Transport.InMemory ? "https://api.openai.com/v1" : "http://api.openai.com/v1");
}

/// <summary>
/// One HTTP/1.1 connection held in memory: every complete request written to it (headers, then a body of
/// <c>Content-Length</c> bytes) queues the recorded response for reading. Reads that find nothing pending wait
/// (the pool's read-ahead on an idle connection) and complete, on the writer's thread, when the next request arrives.
/// </summary>
internal sealed class CannedHttpConnection : Stream, IValueTaskSource<int>
{
    private static readonly byte[] s_headerEnd = "\r\n\r\n"u8.ToArray();
    private static readonly byte[] s_contentLength = "content-length:"u8.ToArray();
    private readonly byte[] _response;
    private readonly object _gate = new();
    private byte[] _request = new byte[16 * 1024];
    private int _requestLength;
    private int _queued;
    private int _offset;
    private ManualResetValueTaskSourceCore<int> _pending;
    private Memory<byte> _pendingBuffer;
    private bool _reading;

    public CannedHttpConnection(byte[] body, string contentType)
    {
        var head = Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: {contentType}\r\nContent-Length: {body.Length}\r\n\r\n");
        _response = [.. head, .. body];
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_queued > 0)
            {
                return new ValueTask<int>(Copy(buffer.Span));
            }

            _pending.Reset();
            _pendingBuffer = buffer;
            _reading = true;
            return new ValueTask<int>(this, _pending.Version);
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        var complete = -1;
        lock (_gate)
        {
            if (_requestLength + buffer.Length > _request.Length)
            {
                Array.Resize(ref _request, Math.Max(_request.Length * 2, _requestLength + buffer.Length));
            }

            buffer.CopyTo(_request.AsSpan(_requestLength));
            _requestLength += buffer.Length;
            while (TryConsumeRequest())
            {
                _queued++;
            }

            if (_queued > 0 && _reading)
            {
                _reading = false;
                complete = Copy(_pendingBuffer.Span);
                _pendingBuffer = default;
            }
        }

        if (complete >= 0)
        {
            _pending.SetResult(complete);
        }
    }

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    int IValueTaskSource<int>.GetResult(short token) => _pending.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<int>.GetStatus(short token) => _pending.GetStatus(token);

    void IValueTaskSource<int>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _pending.OnCompleted(continuation, state, token, flags);

    /// <summary>Copies the next bytes of the response being served (a zero-length read only learns that data is there).</summary>
    private int Copy(Span<byte> destination)
    {
        var n = Math.Min(destination.Length, _response.Length - _offset);
        _response.AsSpan(_offset, n).CopyTo(destination);
        _offset += n;
        if (_offset == _response.Length)
        {
            _offset = 0;
            _queued--;
        }

        return n;
    }

    private bool TryConsumeRequest()
    {
        var data = _request.AsSpan(0, _requestLength);
        var end = data.IndexOf(s_headerEnd);
        if (end < 0)
        {
            return false;
        }

        var length = 0;
        var headers = data[..end];
        var at = IndexOfIgnoreCase(headers, s_contentLength);
        if (at >= 0)
        {
            var value = headers[(at + s_contentLength.Length)..];
            var eol = value.IndexOf((byte)'\r');
            value = (eol < 0 ? value : value[..eol]).Trim((byte)' ');
            length = int.Parse(Encoding.ASCII.GetString(value), System.Globalization.CultureInfo.InvariantCulture);
        }

        var total = end + s_headerEnd.Length + length;
        if (_requestLength < total)
        {
            return false;
        }

        data[total..].CopyTo(_request);
        _requestLength -= total;
        return true;
    }

    private static int IndexOfIgnoreCase(ReadOnlySpan<byte> haystack, ReadOnlySpan<byte> lowerNeedle)
    {
        for (var i = 0; i + lowerNeedle.Length <= haystack.Length; i++)
        {
            var match = true;
            for (var j = 0; j < lowerNeedle.Length && match; j++)
            {
                var c = haystack[i + j];
                match = (c is >= (byte)'A' and <= (byte)'Z' ? (byte)(c | 0x20) : c) == lowerNeedle[j];
            }

            if (match)
            {
                return i;
            }
        }

        return -1;
    }
}
