using System.Buffers;
using System.ClientModel;
using System.ClientModel.Primitives;
using LensAI.Capture;

namespace LensAI.OpenAI;

/// <summary>
/// The OpenAI SDK hook: a per-call pipeline policy (it sits above the SDK's retry policy, so it sees one logical
/// call once, whatever the retries beneath it) that records one <see cref="UsageEvent"/> per recognized call.
/// It observes and never changes what the caller gets; a LensAI failure is counted and logged, never thrown.
/// The one exception it throws is <see cref="LensAIBudgetExceededException"/>, before the request is sent, when a
/// budget blocks the call.
/// </summary>
internal sealed class LensAIPipelinePolicy : PipelinePolicy
{
    private const int MaxPooledBytes = 1024 * 1024;
    private readonly CaptureEngine _engine;

    public LensAIPipelinePolicy(CaptureEngine engine) => _engine = engine;

    public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        var capture = Begin(message, out var route);
        if (capture is null)
        {
            ProcessNext(message, pipeline, currentIndex);
            return;
        }

        if (capture.Admit() is { } blocked)
        {
            throw blocked; // a budget stopped the call: nothing is sent
        }

        using (HttpCaptureSuppression.Begin())
        {
            try
            {
                ProcessNext(message, pipeline, currentIndex);
            }
            catch (Exception ex)
            {
                capture.Fail(ex);
                throw;
            }
        }

        Attach(message, capture, route);
    }

    public override async ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        var capture = await BeginAsync(message).ConfigureAwait(false);
        if (capture.Capture is null)
        {
            await ProcessNextAsync(message, pipeline, currentIndex).ConfigureAwait(false);
            return;
        }

        if (capture.Capture.Admit() is { } blocked)
        {
            throw blocked; // a budget stopped the call: nothing is sent
        }

        using (HttpCaptureSuppression.Begin())
        {
            try
            {
                await ProcessNextAsync(message, pipeline, currentIndex).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                capture.Capture.Fail(ex);
                throw;
            }
        }

        Attach(message, capture.Capture, capture.Route);
    }

    private CallCapture? Begin(PipelineMessage message, out ProviderRoute route)
    {
        route = default;
        try
        {
            if (!TryRecognize(message, out route))
            {
                return null;
            }

            var info = default(RequestInfo);
            if (InspectableLength(message.Request) is { } length)
            {
                var buffer = Rent(length);
                try
                {
                    using var stream = Open(buffer, length);
                    message.Request.Content!.WriteTo(stream, message.CancellationToken);
                    info = Inspect(message, route, stream);
                    return new CallCapture(_engine, route, info, Attribution.Resolve(null), Written(stream));
                }
                finally
                {
                    Return(buffer);
                }
            }

            return new CallCapture(_engine, route, info, Attribution.Resolve(null));
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !message.CancellationToken.IsCancellationRequested)
        {
            _engine.OnCaptureError(Known(route), ex);
            return null;
        }
    }

    private async ValueTask<(CallCapture? Capture, ProviderRoute Route)> BeginAsync(PipelineMessage message)
    {
        var route = default(ProviderRoute);
        try
        {
            if (!TryRecognize(message, out route))
            {
                return (null, route);
            }

            var info = default(RequestInfo);
            if (InspectableLength(message.Request) is { } length)
            {
                var buffer = Rent(length);
                try
                {
                    var stream = Open(buffer, length);
                    await using (stream.ConfigureAwait(false))
                    {
                        await message.Request.Content!.WriteToAsync(stream, message.CancellationToken).ConfigureAwait(false);
                        info = Inspect(message, route, stream);
                        return (new CallCapture(_engine, route, info, Attribution.Resolve(null), Written(stream)), route);
                    }
                }
                finally
                {
                    Return(buffer);
                }
            }

            return (new CallCapture(_engine, route, info, Attribution.Resolve(null)), route);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !message.CancellationToken.IsCancellationRequested)
        {
            _engine.OnCaptureError(Known(route), ex);
            return (null, route);
        }
    }

    private bool TryRecognize(PipelineMessage message, out ProviderRoute route)
    {
        route = default;
        if (!_engine.Options.Enabled)
        {
            return false;
        }

        // A second LensAI policy on the same pipeline (UseLensAI called twice) passes the call through.
        if (message.TryGetProperty(typeof(LensAIPipelinePolicy), out var seen) && seen is true)
        {
            return false;
        }

        var request = message.Request;
        var method = string.Equals(request.Method, "POST", StringComparison.OrdinalIgnoreCase) ? HttpMethod.Post : new HttpMethod(request.Method);
        if (!_engine.Detector.TryDetect(method, request.Uri, out route))
        {
            return false;
        }

        message.SetProperty(typeof(LensAIPipelinePolicy), true);
        return true;
    }

    /// <summary>The body's length when it is JSON of a known, inspectable size; otherwise <see langword="null"/> (the call is still captured).</summary>
    private static int? InspectableLength(PipelineRequest request)
    {
        var content = request.Content;
        if (content is null
            || (request.Headers.TryGetValue("Content-Type", out var contentType) && !IsJson(contentType))
            || !content.TryComputeLength(out var length)
            || length is <= 0 or > RequestInspector.MaxInspectedBytes)
        {
            return null;
        }

        return (int)length;
    }

    /// <summary>A pooled buffer for bodies up to 1 MiB; larger (rare) bodies get a plain <see cref="MemoryStream"/>.</summary>
    private static byte[]? Rent(int length) => length <= MaxPooledBytes ? ArrayPool<byte>.Shared.Rent(length) : null;

    private static MemoryStream Open(byte[]? buffer, int length)
        => buffer is not null ? new MemoryStream(buffer, 0, length, writable: true, publiclyVisible: true) : new MemoryStream(length);

    private static void Return(byte[]? buffer)
    {
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The bytes written to <paramref name="stream"/> (a stream's capture copies them for its estimate; the buffer is returned after).</summary>
    private static ReadOnlySpan<byte> Written(MemoryStream stream)
        => stream.TryGetBuffer(out var segment) ? segment.AsSpan(0, (int)stream.Position) : default;

    private RequestInfo Inspect(PipelineMessage message, ProviderRoute route, MemoryStream written)
    {
        if (!written.TryGetBuffer(out var segment))
        {
            return default;
        }

        var body = segment.AsSpan(0, (int)written.Position);
        var info = RequestInspector.Parse(body);
        if (info.Stream && !info.HasStreamOptions && route.CanInjectStreamUsage && _engine.Options.InjectStreamUsage
            && RequestInspector.WithIncludeUsage(body) is { } rewritten)
        {
            // Same rule as the HttpClient handler: a stream that would carry no usage is asked to.
            message.Request.Content = BinaryContent.Create(BinaryData.FromBytes(rewritten));
        }

        return info;
    }

    private void Attach(PipelineMessage message, CallCapture capture, ProviderRoute route)
    {
        try
        {
            var response = message.Response;
            if (response is null)
            {
                capture.Fail(new InvalidOperationException("The pipeline returned no response."));
                return;
            }

            var status = response.Status;
            if (response.IsError || status is < 200 or > 299)
            {
                capture.CompleteWithoutBody(status);
                return;
            }

            capture.OnResponse(status, isEventStream: IsEventStream(response));
            if (message.BufferResponse)
            {
                // The transport has already read the whole body into memory: scan it once.
                capture.OnBytes(response.Content.ToMemory().Span);
                capture.Complete(CaptureEnd.Completed);
                return;
            }

            if (response.ContentStream is not { } stream)
            {
                capture.Complete(CaptureEnd.Completed);
                return;
            }

            // A stream the caller reads as it arrives: tee it, never buffer it.
            response.ContentStream = new CaptureStream(stream, capture, ContentLength(response));
        }
        catch (Exception ex)
        {
            _engine.OnCaptureError(route, ex);
            capture.Complete(CaptureEnd.Completed);
        }
    }

    private static bool IsEventStream(PipelineResponse response)
        => response.Headers.TryGetValue("Content-Type", out var contentType)
           && contentType is not null
           && MediaType(contentType).Equals("text/event-stream", StringComparison.OrdinalIgnoreCase);

    private static long? ContentLength(PipelineResponse response)
        => response.Headers.TryGetValue("Content-Length", out var value)
           && long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var length)
            ? length
            : null;

    private static bool IsJson(string? contentType)
    {
        if (contentType is null)
        {
            return true;
        }

        var mediaType = MediaType(contentType);
        return mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
               || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
    }

    private static ReadOnlySpan<char> MediaType(string contentType)
    {
        var semicolon = contentType.IndexOf(';', StringComparison.Ordinal);
        return (semicolon < 0 ? contentType.AsSpan() : contentType.AsSpan(0, semicolon)).Trim();
    }

    private static ProviderRoute Known(ProviderRoute route)
        => route.Provider is null ? new ProviderRoute("unknown", "unknown", default) : route;
}
