using System.Net;
using System.Net.Http.Headers;

namespace LensAI.Testing;

/// <summary>A Func-based HttpMessageHandler: the test decides every answer. Records the requests it saw (with their bodies).</summary>
public sealed class StubHandler(Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> respond) : HttpMessageHandler
{
    public List<(HttpRequestMessage Request, string? Body)> Requests { get; } = [];

    public static StubHandler Returning(byte[] body, string contentType, HttpStatusCode status = HttpStatusCode.OK, int? chunkSize = null)
        => new((_, _) => Task.FromResult(Response(body, contentType, status, chunkSize)));

    public static HttpResponseMessage Response(byte[] body, string contentType, HttpStatusCode status = HttpStatusCode.OK, int? chunkSize = null)
    {
        HttpContent content = chunkSize is { } size ? new StreamContent(new ChunkedStream(body, size)) : new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return new HttpResponseMessage(status) { Content = content };
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
        lock (Requests)
        {
            Requests.Add((request, body));
        }

        return await respond(request, cancellationToken);
    }
}

/// <summary>Serves a byte array a few bytes per read (like a slow network), optionally failing after some bytes, and counts reads.</summary>
public sealed class ChunkedStream(byte[] data, int chunkSize, int? failAfterBytes = null) : Stream
{
    private int _position;

    public int Reads { get; private set; }

    public bool Disposed { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        Reads++;
        if (failAfterBytes is { } fail && _position >= fail)
        {
            throw new IOException("The connection was reset (simulated).");
        }

        var limit = failAfterBytes is { } f ? Math.Min(data.Length, f) : data.Length;
        var n = Math.Min(Math.Min(chunkSize, buffer.Length), limit - _position);
        if (n <= 0)
        {
            if (failAfterBytes is not null && _position < data.Length)
            {
                throw new IOException("The connection was reset (simulated).");
            }

            return 0;
        }

        data.AsSpan(_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
        return Read(buffer.Span);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        Disposed = true;
        base.Dispose(disposing);
    }
}
