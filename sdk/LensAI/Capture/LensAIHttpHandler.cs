using System.Buffers;

namespace LensAI.Capture;

/// <summary>
/// The HttpClient hook: recognizes LLM API calls by URL, records one <see cref="UsageEvent"/> per call, and
/// otherwise stays out of the way. The caller always gets the provider's response or exception, unchanged.
/// </summary>
internal sealed class LensAIHttpHandler : DelegatingHandler
{
    private readonly CaptureEngine _engine;

    public LensAIHttpHandler(CaptureEngine engine, HttpMessageHandler? innerHandler = null)
    {
        _engine = engine;
        if (innerHandler is not null)
        {
            InnerHandler = innerHandler;
        }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        CallCapture? capture = null;
        try
        {
            capture = await BeginAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _engine.OnCaptureError(new ProviderRoute("unknown", "unknown", default), ex);
        }

        if (capture is null)
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        if (capture.Admit() is { } blocked)
        {
            throw blocked; // a budget stopped the call: nothing was sent
        }

        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            capture.Fail(ex);
            throw;
        }
        finally
        {
            // The mark tells a LensAI handler further down this chain that the call is captured; it has done its job
            // once the request has come back. A retry handler outside this one sends the same request again: that
            // attempt is a call of its own, captured again (one event per attempt when LensAI sits inside the retries).
            request.Options.Set(LensAIRequestOptions.Captured, false);
        }

        try
        {
            Attach(response, capture);
        }
        catch (Exception ex)
        {
            _engine.OnCaptureError(new ProviderRoute("unknown", "unknown", default), ex);
        }

        return response;
    }

    private async ValueTask<CallCapture?> BeginAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!_engine.Options.Enabled
            || HttpCaptureSuppression.IsActive
            || !_engine.Detector.TryDetect(request.Method, request.RequestUri, out var route)
            || (request.Options.TryGetValue(LensAIRequestOptions.Captured, out var captured) && captured))
        {
            return null;
        }

        request.Options.Set(LensAIRequestOptions.Captured, true);
        var (info, body, length) = await RequestInspector.ReadAsync(request, cancellationToken).ConfigureAwait(false);
        if (body is not null)
        {
            try
            {
                if (info.Stream && !info.HasStreamOptions && route.CanInjectStreamUsage && _engine.Options.InjectStreamUsage
                    && RequestInspector.WithIncludeUsage(body.AsSpan(0, length)) is { } rewritten)
                {
                    var replacement = new ByteArrayContent(rewritten);
                    foreach (var header in request.Content!.Headers.NonValidated)
                    {
                        if (!header.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                        {
                            replacement.Headers.TryAddWithoutValidation(header.Key, header.Value);
                        }
                    }

                    request.Content.Dispose();
                    request.Content = replacement;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(body);
            }
        }

        return new CallCapture(_engine, route, info, Attribution.Resolve(request));
    }

    private static void Attach(HttpResponseMessage response, CallCapture capture)
    {
        var status = (int)response.StatusCode;
        if (!response.IsSuccessStatusCode)
        {
            capture.CompleteWithoutBody(status);
            return;
        }

        var mediaType = response.Content.Headers.ContentType?.MediaType;
        capture.OnResponse(status, isEventStream: string.Equals(mediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase));
        response.Content = new CaptureContent(response.Content, capture);
    }
}
