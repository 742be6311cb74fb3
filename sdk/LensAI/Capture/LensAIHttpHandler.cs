using System.Buffers;

namespace LensAI.Capture;

/// <summary>
/// The HttpClient hook: recognizes LLM API calls by URL, records one <see cref="UsageEvent"/> per call, and
/// otherwise stays out of the way. The caller always gets the provider's response or exception, unchanged.
/// </summary>
/// <remarks>
/// Built for the common case, a call that completes without the hook having to wait: no async state machine, no
/// task of its own, and the provider's task handed back as it is. A body already in memory (a
/// <see cref="ByteArrayContent"/> or <see cref="ReadOnlyMemoryContent"/> from an in-process handler) is read where it
/// lies instead of wrapped; a body still to come is teed as the caller reads it.
/// </remarks>
internal sealed class LensAIHttpHandler : DelegatingHandler
{
    /// <summary>Whether any LensAI handler anywhere sits above another: only then are requests marked and marks looked for.</summary>
    private static volatile bool s_nested;

    private readonly CaptureEngine _engine;
    private int _beneath = -1; // whether a LensAI handler sits beneath this one: -1 not known yet, 0 no, 1 yes

    public LensAIHttpHandler(CaptureEngine engine, HttpMessageHandler? innerHandler = null)
    {
        _engine = engine;
        if (innerHandler is not null)
        {
            InnerHandler = innerHandler;
        }
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        CallCapture? capture;
        try
        {
            if (!ShouldCapture(request, out var route))
            {
                return base.SendAsync(request, cancellationToken);
            }

            var begin = BeginAsync(request, route, cancellationToken);
            if (!begin.IsCompletedSuccessfully)
            {
                return SendAfterBeginAsync(begin, request, cancellationToken);
            }

            capture = begin.Result;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _engine.OnCaptureError(new ProviderRoute("unknown", "unknown", default), ex);
            capture = null;
        }

        return capture is null ? base.SendAsync(request, cancellationToken) : Send(request, capture, cancellationToken);
    }

    private async Task<HttpResponseMessage> SendAfterBeginAsync(ValueTask<CallCapture?> begin, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        CallCapture? capture = null;
        try
        {
            capture = await begin.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _engine.OnCaptureError(new ProviderRoute("unknown", "unknown", default), ex);
        }

        return await (capture is null ? base.SendAsync(request, cancellationToken) : Send(request, capture, cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Sends a captured call: the budget check first, then the provider's task, handed back as it is when it is already done.</summary>
    private Task<HttpResponseMessage> Send(HttpRequestMessage request, CallCapture capture, CancellationToken cancellationToken)
    {
        if (capture.Admit() is { } blocked)
        {
            Unmark(request);
            return Task.FromException<HttpResponseMessage>(blocked); // a budget stopped the call: nothing was sent
        }

        Task<HttpResponseMessage> sending;
        try
        {
            sending = base.SendAsync(request, cancellationToken);
        }
        catch (Exception ex)
        {
            Unmark(request);
            capture.Fail(ex);
            return Task.FromException<HttpResponseMessage>(ex);
        }

        if (!sending.IsCompletedSuccessfully)
        {
            return AwaitResponseAsync(sending, request, capture);
        }

        Unmark(request);
        Attach(sending.Result, capture);
        return sending; // the same task: its response now carries the capture
    }

    private async Task<HttpResponseMessage> AwaitResponseAsync(Task<HttpResponseMessage> sending, HttpRequestMessage request, CallCapture capture)
    {
        HttpResponseMessage response;
        try
        {
            response = await sending.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            capture.Fail(ex);
            throw;
        }
        finally
        {
            Unmark(request);
        }

        Attach(response, capture);
        return response;
    }

    private bool ShouldCapture(HttpRequestMessage request, out ProviderRoute route)
    {
        route = default;
        if (!_engine.Options.Enabled || HttpCaptureSuppression.IsActive || !_engine.Detector.TryDetect(request.Method, request.RequestUri, out route))
        {
            return false;
        }

        if (s_nested && ExistingRequestOptions.Of(request) is { } options && options.TryGetValue(LensAIRequestOptions.Captured, out var captured) && captured)
        {
            return false; // a LensAI handler above this one captures the call
        }

        if (LensAIBeneath())
        {
            // The mark tells the LensAI handler further down this chain that the call is captured. It lasts while the
            // request is in flight: a retry handler outside this one that sends the same request again makes a call
            // of its own, captured again (one event per attempt when LensAI sits inside the retries).
            request.Options.Set(LensAIRequestOptions.Captured, true);
        }

        return true;
    }

    private void Unmark(HttpRequestMessage request)
    {
        if (_beneath == 1)
        {
            request.Options.Set(LensAIRequestOptions.Captured, false);
        }
    }

    /// <summary>Whether a LensAI handler sits further down this chain (looked up once: a chain is fixed once it sends).</summary>
    private bool LensAIBeneath()
    {
        var beneath = _beneath;
        if (beneath < 0)
        {
            beneath = 0;
            for (var handler = InnerHandler; handler is DelegatingHandler delegating; handler = delegating.InnerHandler)
            {
                if (handler is LensAIHttpHandler)
                {
                    beneath = 1;
                    s_nested = true;
                    break;
                }
            }

            _beneath = beneath;
        }

        return beneath == 1;
    }

    private ValueTask<CallCapture?> BeginAsync(HttpRequestMessage request, ProviderRoute route, CancellationToken cancellationToken)
    {
        if (request.Content is { } content && InMemoryBody.TryGet(content, out var body))
        {
            // Byte, string and memory content: parsed where it lies, nothing read through a stream.
            var info = body.Length <= RequestInspector.MaxInspectedBytes && RequestInspector.IsJson(content.Headers.ContentType)
                ? RequestInspector.Parse(body.Span)
                : default;
            return new ValueTask<CallCapture?>(Begin(request, route, info, body.Span, body));
        }

        var read = RequestInspector.ReadAsync(request, cancellationToken);
        return read.IsCompletedSuccessfully ? new ValueTask<CallCapture?>(Begin(request, route, read.Result)) : BeginSlowAsync(read, request, route);
    }

    private async ValueTask<CallCapture?> BeginSlowAsync(ValueTask<(RequestInfo Info, byte[]? Rented, int Length)> read, HttpRequestMessage request, ProviderRoute route)
        => Begin(request, route, await read.ConfigureAwait(false));

    private CallCapture Begin(HttpRequestMessage request, ProviderRoute route, (RequestInfo Info, byte[]? Rented, int Length) read)
    {
        var (info, body, length) = read;
        try
        {
            return Begin(request, route, info, body.AsSpan(0, length));
        }
        finally
        {
            if (body is not null)
            {
                ArrayPool<byte>.Shared.Return(body);
            }
        }
    }

    private CallCapture Begin(HttpRequestMessage request, ProviderRoute route, in RequestInfo info, ReadOnlySpan<byte> body, ReadOnlyMemory<byte> stableBody = default)
    {
        var original = body;
        if (info.Stream && !info.HasStreamOptions && route.CanInjectStreamUsage && _engine.Options.InjectStreamUsage && !body.IsEmpty
            && RequestInspector.WithIncludeUsage(body) is { } rewritten)
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

        return new CallCapture(_engine, route, info, Attribution.Resolve(request), original, stableBody);
    }

    /// <summary>Hooks the response body. Never throws.</summary>
    private void Attach(HttpResponseMessage response, CallCapture capture)
    {
        try
        {
            var status = (int)response.StatusCode;
            if (!response.IsSuccessStatusCode)
            {
                capture.CompleteWithoutBody(status);
                return;
            }

            var content = response.Content;
            capture.OnResponse(status, RawHeaders.IsEventStream(content.Headers));
            if (!capture.IsStream && InMemoryBody.TryGet(content, out var body) && body.Length <= RequestInspector.MaxInspectedBytes)
            {
                // The whole body is already here (an in-process handler): read where it lies, no wrapper, no copy.
                capture.OnWholeBody(body.Span);
                capture.Complete(CaptureEnd.Completed);
                return;
            }

            response.Content = new CaptureContent(content, capture);
        }
        catch (Exception ex)
        {
            _engine.OnCaptureError(new ProviderRoute("unknown", "unknown", default), ex);
        }
    }
}
