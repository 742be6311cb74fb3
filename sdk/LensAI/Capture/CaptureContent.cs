namespace LensAI.Capture;

/// <summary>
/// Wraps the provider's response content: the caller reads exactly the provider's bytes, with no delay, while
/// LensAI sees each chunk as it passes (a tee, never a buffer of the whole body).
/// </summary>
internal sealed class CaptureContent : HttpContent
{
    private readonly HttpContent _inner;
    private readonly CallCapture _capture;
    private readonly long? _length;

    public CaptureContent(HttpContent inner, CallCapture capture)
    {
        _inner = inner;
        _capture = capture;
        _length = RawHeaders.ContentLength(inner.Headers);

        // Copied as they came, unparsed: a response read from a socket keeps its header values as raw strings until
        // someone asks for them, and parsing them here would cost every call what only some callers use.
        foreach (var header in inner.Headers.NonValidated)
        {
            if (!header.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }
    }

    protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        => await SerializeToStreamAsync(stream, context, CancellationToken.None).ConfigureAwait(false);

    protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context, CancellationToken cancellationToken)
    {
        var source = await CreateContentReadStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (source.ConfigureAwait(false))
        {
            await source.CopyToAsync(stream, cancellationToken).ConfigureAwait(false);
        }
    }

    protected override void SerializeToStream(Stream stream, System.Net.TransportContext? context, CancellationToken cancellationToken)
    {
        using var source = CreateContentReadStream(cancellationToken);
        source.CopyTo(stream);
    }

    protected override Task<Stream> CreateContentReadStreamAsync() => CreateContentReadStreamAsync(CancellationToken.None);

    protected override Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken)
    {
        Task<Stream> inner;
        try
        {
            inner = _inner.ReadAsStreamAsync(cancellationToken);
        }
        catch
        {
            _capture.Complete(CaptureEnd.Broken);
            throw;
        }

        return inner.IsCompletedSuccessfully
            ? Task.FromResult<Stream>(new CaptureStream(inner.Result, _capture, _length))
            : WrapAsync(inner);
    }

    private async Task<Stream> WrapAsync(Task<Stream> inner)
    {
        try
        {
            return new CaptureStream(await inner.ConfigureAwait(false), _capture, _length);
        }
        catch
        {
            _capture.Complete(CaptureEnd.Broken);
            throw;
        }
    }

    protected override Stream CreateContentReadStream(CancellationToken cancellationToken)
    {
        try
        {
            return new CaptureStream(_inner.ReadAsStream(cancellationToken), _capture, _length);
        }
        catch
        {
            _capture.Complete(CaptureEnd.Broken);
            throw;
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = _length ?? 0;
        return _length is not null;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
            _capture.Complete(CaptureEnd.Abandoned);
        }

        base.Dispose(disposing);
    }
}
