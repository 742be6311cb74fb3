using System.Buffers;
using LensAI.Budgets;
using LensAI.Estimation;

namespace LensAI.Capture;

/// <summary>
/// The state of one captured call: started when the request goes out, fed with the response bytes as the caller
/// reads them, completed exactly once into a <see cref="UsageEvent"/>. Never throws into the caller's call.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "The scanner and decoder are disposed when the capture completes, which happens exactly once.")]
internal sealed class CallCapture
{
    private readonly CaptureEngine _engine;
    private readonly ProviderRoute _route;
    private readonly DateTimeOffset _startTime;
    private readonly long _startTimestamp;
    private readonly Attribution _attribution;
    private readonly string? _requestModel;
    private readonly OuterCapture? _outer;
    private readonly int _inputTokenEstimate;
    private readonly int _requestBodyBytes;
    private readonly ReadOnlyMemory<byte> _requestBody;
    private StreamedText? _text;
    private readonly int? _maxOutputTokens;
    private BudgetReservation? _reservation;
    private UsageScanner? _scanner;
    private SseDecoder? _sse;
    private long _firstByteTimestamp;
    private bool _sawFirstByte;
    private bool _wholeBody;
    private int _httpStatus;
    private bool _stream;
    private int _completed;

    /// <param name="engine">The shared capture core.</param>
    /// <param name="route">The provider and operation the request goes to.</param>
    /// <param name="request">What was read of the request body.</param>
    /// <param name="attribution">User, route and metadata of the call.</param>
    /// <param name="body">The request body, when it was read; a stream keeps a copy of it for the estimate of a stream that ends early.</param>
    /// <param name="stableBody">The request body when it stays in memory for the call's lifetime (byte or string content): kept without a copy.</param>
    public CallCapture(CaptureEngine engine, ProviderRoute route, in RequestInfo request, Attribution attribution,
        ReadOnlySpan<byte> body = default, ReadOnlyMemory<byte> stableBody = default)
    {
        _engine = engine;
        _route = route;
        _attribution = attribution;
        _requestModel = route.Dialect == UsageDialect.Gemini ? route.ModelFromUrl ?? request.Model : request.Model ?? route.ModelFromUrl;
        _stream = request.Stream || route.StreamFromUrl;
        _startTime = engine.TimeProvider.GetUtcNow();
        _startTimestamp = engine.TimeProvider.GetTimestamp();
        _outer = OuterCapture.Current;
        _inputTokenEstimate = request.BodyBytes / 4;
        _requestBodyBytes = request.BodyBytes;
        _requestBody = !stableBody.IsEmpty ? stableBody : _stream && !body.IsEmpty ? body.ToArray() : default;
        _maxOutputTokens = request.MaxOutputTokens;
    }

    public bool IsCompleted => Volatile.Read(ref _completed) != 0;

    /// <summary>Whether the call streams (its request asked to, its URL says so, or the answer is an event stream).</summary>
    public bool IsStream => _stream;

    /// <summary>
    /// Runs the budget check before the request is sent. Returns <see langword="null"/> when the call may go (its
    /// estimate is then reserved until its event is recorded), or the exception to throw when a budget blocks it: the
    /// call is then already recorded with status <c>blocked</c>. Never throws. A LensAI chat client above that
    /// already checked this call is not checked twice.
    /// </summary>
    public LensAIBudgetExceededException? Admit()
    {
        if (_engine.Budgets is null || _outer is { BudgetCovers: true })
        {
            return null;
        }

        var decision = _engine.CheckBudget(new BudgetRequest(_route.Provider, _requestModel, _attribution, _inputTokenEstimate, _maxOutputTokens));
        if (!decision.IsBlocked)
        {
            _reservation = decision.Reservation;
            return null;
        }

        try
        {
            var exception = _engine.OnBudgetBlocked(decision);
            if (Interlocked.Exchange(ref _completed, 1) == 0)
            {
                Emit(default, UsageStatus.Blocked, httpStatus: null, _requestModel, responseId: null, _attribution.Metadata);
            }

            return exception;
        }
        catch (Exception ex)
        {
            _engine.Budgets.OnGuardError(ex);
            return null;
        }
    }

    /// <summary>A response arrived; <paramref name="isEventStream"/> when its content type is <c>text/event-stream</c>.</summary>
    public void OnResponse(int httpStatus, bool isEventStream)
    {
        _httpStatus = httpStatus;
        _stream |= isEventStream;
        _scanner = new UsageScanner();
        if (isEventStream)
        {
            _text = new StreamedText(_route.Dialect, keep: _engine.EstimatorNeedsText);
            _sse = new SseDecoder { Text = _text };
        }
    }

    /// <summary>
    /// The whole body arrived in one read (a buffered response): parse it as one document, no carry-over between chunks.
    /// </summary>
    public void OnWholeBody(ReadOnlySpan<byte> bytes)
    {
        if (_sse is not null || _scanner is null)
        {
            OnBytes(bytes);
            return;
        }

        if (!_sawFirstByte)
        {
            _sawFirstByte = true;
            _firstByteTimestamp = _engine.TimeProvider.GetTimestamp();
        }

        try
        {
            _scanner.ScanDocument(bytes);
            _wholeBody = true;
        }
        catch (Exception ex)
        {
            _engine.OnCaptureError(_route, ex);
        }
    }

    /// <summary>Bytes the caller just read. Never throws.</summary>
    public void OnBytes(ReadOnlySpan<byte> bytes)
    {
        if (!_sawFirstByte)
        {
            _sawFirstByte = true;
            _firstByteTimestamp = _engine.TimeProvider.GetTimestamp();
        }

        var scanner = _scanner;
        if (scanner is null || scanner.Failed || IsCompleted)
        {
            return;
        }

        try
        {
            if (_sse is not null)
            {
                _sse.Feed(bytes, scanner);
            }
            else
            {
                scanner.ScanChunk(bytes, final: false);
            }
        }
        catch (Exception ex)
        {
            _engine.OnCaptureError(_route, ex);
            scanner.Dispose();
            _scanner = null;
        }
    }

    /// <summary>The response could not be had: the call threw.</summary>
    public void Fail(Exception exception)
    {
        if (Interlocked.Exchange(ref _completed, 1) != 0)
        {
            return;
        }

        var metadata = _attribution.Metadata;
        TokenUsage usage = default;
        var estimated = false;
        if (exception is OperationCanceledException or TimeoutException)
        {
            metadata = AttributionScope.Merge(metadata, exception is TimeoutException || exception.InnerException is TimeoutException ? s_timeout : s_cancelled);

            // The request went out: the provider may be billing its prompt (and an answer nobody will read). Only the
            // prompt can be estimated; a call refused before it was sent (a connection error) costs nothing.
            usage = Estimate(default, _requestModel, estimateOutput: false, ref metadata, out estimated);
        }

        Emit(usage, UsageStatus.Error, httpStatus: null, model: _requestModel, responseId: null, metadata, estimated);
    }

    /// <summary>A non-success answer whose body LensAI does not read.</summary>
    public void CompleteWithoutBody(int httpStatus)
    {
        if (Interlocked.Exchange(ref _completed, 1) != 0)
        {
            return;
        }

        var status = httpStatus == 429 ? UsageStatus.RateLimited : httpStatus is >= 200 and < 300 ? UsageStatus.Ok : UsageStatus.Error;
        Emit(default, status, httpStatus, _requestModel, responseId: null, _attribution.Metadata);
    }

    /// <summary>The body ended (or was abandoned, or broke). Emits the event once.</summary>
    public void Complete(CaptureEnd end)
    {
        if (Interlocked.Exchange(ref _completed, 1) != 0)
        {
            return;
        }

        var scanner = _scanner;
        TokenUsage usage = default;
        string? model = _requestModel, responseId = null;
        var sawEnd = false;
        var sawError = false;
        var sawUsage = false;
        try
        {
            if (scanner is not null)
            {
                if (end == CaptureEnd.Completed && !scanner.Failed && !_wholeBody)
                {
                    if (_sse is not null)
                    {
                        _sse.Finish(scanner);
                    }
                    else
                    {
                        scanner.ScanChunk(default, final: true);
                    }
                }

                if (scanner.Failed)
                {
                    _engine.OnCaptureError(_route, new FormatException($"The {_route.Provider} {_route.Operation} response was not the JSON LensAI expects."));
                }

                usage = scanner.Usage.Normalize(_route.Dialect, out var clamped);
                if (clamped)
                {
                    _engine.OnCaptureError(_route, new FormatException($"The {_route.Provider} {_route.Operation} response reported inconsistent token counts; they were clamped."));
                }

                model = scanner.Model ?? model;
                responseId = scanner.ResponseId;
                sawEnd = scanner.SawEnd || end == CaptureEnd.Completed;
                sawError = scanner.SawError;
                sawUsage = scanner.Usage.Seen;
            }
        }
        catch (Exception ex)
        {
            _engine.OnCaptureError(_route, ex);
        }
        finally
        {
            scanner?.Dispose();
            _sse?.Dispose();
        }

        var metadata = _attribution.Metadata;
        var status = UsageStatus.Ok;
        if (end == CaptureEnd.Broken && !sawEnd)
        {
            status = UsageStatus.Error;
            metadata = AttributionScope.Merge(metadata, s_broken);
        }
        else if (end == CaptureEnd.Abandoned && !sawEnd)
        {
            metadata = AttributionScope.Merge(metadata, s_abandoned);
        }

        if (sawError)
        {
            status = UsageStatus.Error;
        }

        // A stream that ended before its usage arrived (or a stream or body without any usage at all) was still
        // billed: keep what the provider reported, estimate the rest. Never for a provider's error event.
        var estimated = false;
        // OpenAI sends usage once, at the end; Anthropic's and Gemini's mid-stream counts are lower bounds.
        var usageFinal = sawUsage && (end == CaptureEnd.Completed || _route.Dialect is UsageDialect.OpenAIChat or UsageDialect.OpenAIResponses or UsageDialect.OpenAIEmbeddings);
        if (!sawError && !usageFinal && (_stream || end != CaptureEnd.Completed))
        {
            try
            {
                usage = Estimate(usage, model, estimateOutput: true, ref metadata, out estimated);
            }
            catch (Exception ex)
            {
                _engine.OnCaptureError(_route, ex);
            }
        }

        _text?.Dispose();
        Emit(usage, status, _httpStatus, model, responseId, metadata, estimated);
    }

    /// <summary>
    /// Fills in what the provider did not report: the prompt from the request body when no input count arrived, and
    /// the output from the text already streamed when it exceeds the output count that arrived. Cached, cache-write and
    /// reasoning counts stay as reported.
    /// </summary>
    private TokenUsage Estimate(TokenUsage seen, string? model, bool estimateOutput, ref IReadOnlyDictionary<string, string>? metadata, out bool estimated)
    {
        var estimator = _engine.Estimator;
        model ??= "unknown";
        var input = seen.InputTokens;
        var output = 0;
        var name = estimator.Name;
        if (input == 0)
        {
            if (!_requestBody.IsEmpty)
            {
                var text = new ArrayBufferWriter<byte>(Math.Min(_requestBody.Length, 64 * 1024));
                var messages = PromptText.Extract(_requestBody.Span, text);
                input = estimator.CountTokens(_route.Provider, model, text.WrittenSpan) + (messages > 0 ? (messages + 1) * estimator.TokensPerMessage : 0);
            }
            else if (_requestBodyBytes > 0)
            {
                // The body was read but not kept (a non-streaming call whose body was not in memory): its JSON size.
                input = (_requestBodyBytes + 3) / 4;
                name = "utf8-bytes/4:request-body";
            }
        }

        if (estimateOutput && _text is { Bytes: > 0 } streamed)
        {
            output = Count(estimator, model, streamed);
        }

        var usage = UsageEstimate.Merge(seen, input, output, out estimated);
        if (estimated)
        {
            _engine.OnEstimated(_route);
            metadata = UsageEstimate.Named(metadata, name);
        }

        return usage;
    }

    /// <summary>The tokens of the streamed text: counted by the estimator over the text kept, scaled up by the bytes seen past it.</summary>
    private int Count(TokenEstimator estimator, string model, StreamedText streamed)
    {
        if (!_engine.EstimatorNeedsText || streamed.Kept.IsEmpty)
        {
            return (int)Math.Min(int.MaxValue, (streamed.Bytes + 3) / 4);
        }

        var counted = estimator.CountTokens(_route.Provider, model, streamed.Kept);
        return streamed.Bytes > streamed.Kept.Length
            ? (int)Math.Min(int.MaxValue, (long)Math.Ceiling(counted * (double)streamed.Bytes / streamed.Kept.Length))
            : counted;
    }

    private static readonly Dictionary<string, string> s_broken = new() { [UsageEvent.IncompleteMetadataKey] = "broken" };
    private static readonly Dictionary<string, string> s_abandoned = new() { [UsageEvent.IncompleteMetadataKey] = "abandoned" };
    private static readonly Dictionary<string, string> s_cancelled = new() { ["lensai.exception"] = "cancelled" };
    private static readonly Dictionary<string, string> s_timeout = new() { ["lensai.exception"] = "timeout" };

    private void Emit(TokenUsage usage, UsageStatus status, int? httpStatus, string? model, string? responseId, IReadOnlyDictionary<string, string>? metadata, bool estimated = false)
    {
        try
        {
            var now = _engine.TimeProvider.GetTimestamp();
            int? ttft = _stream && _sawFirstByte ? ToMilliseconds(_firstByteTimestamp - _startTimestamp) : null;
            var draft = new CapturedCall(
                _route.Provider, model ?? "unknown", _route.Operation, _stream, usage, status, httpStatus,
                _startTime, ToMilliseconds(now - _startTimestamp), ttft, responseId,
                new Attribution(_attribution.UserId, _attribution.Route, metadata), _reservation, estimated);
            if (_outer is null || !_outer.TryAdd(draft))
            {
                _engine.Record(draft);
            }
        }
        catch (Exception ex)
        {
            _engine.OnCaptureError(_route, ex);
        }
    }

    private int ToMilliseconds(long timestampDelta)
    {
        var ms = (double)timestampDelta * 1000 / _engine.TimeProvider.TimestampFrequency;
        return ms >= int.MaxValue ? int.MaxValue : (int)Math.Round(ms);
    }
}
