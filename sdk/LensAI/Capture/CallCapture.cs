using System.Diagnostics;
using LensAI.Budgets;

namespace LensAI.Capture;

/// <summary>How the reading of a response ended.</summary>
internal enum CaptureEnd : byte
{
    /// <summary>The body was read to its end (or the provider signalled the end of the stream).</summary>
    Completed,

    /// <summary>The caller disposed the response before the end.</summary>
    Abandoned,

    /// <summary>Reading the body failed (network, timeout, cancellation).</summary>
    Broken,
}

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

    public CallCapture(CaptureEngine engine, ProviderRoute route, in RequestInfo request, Attribution attribution)
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
            _sse = new SseDecoder();
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
        if (exception is OperationCanceledException or TimeoutException)
        {
            metadata = AttributionScope.Merge(metadata, exception is TimeoutException || exception.InnerException is TimeoutException ? s_timeout : s_cancelled);
        }

        Emit(default, UsageStatus.Error, httpStatus: null, model: _requestModel, responseId: null, metadata);
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

        Emit(usage, status, _httpStatus, model, responseId, metadata);
    }

    private static readonly Dictionary<string, string> s_broken = new() { [UsageEvent.IncompleteMetadataKey] = "broken" };
    private static readonly Dictionary<string, string> s_abandoned = new() { [UsageEvent.IncompleteMetadataKey] = "abandoned" };
    private static readonly Dictionary<string, string> s_cancelled = new() { ["lensai.exception"] = "cancelled" };
    private static readonly Dictionary<string, string> s_timeout = new() { ["lensai.exception"] = "timeout" };

    private void Emit(TokenUsage usage, UsageStatus status, int? httpStatus, string? model, string? responseId, IReadOnlyDictionary<string, string>? metadata)
    {
        try
        {
            var now = _engine.TimeProvider.GetTimestamp();
            int? ttft = _stream && _sawFirstByte ? ToMilliseconds(_firstByteTimestamp - _startTimestamp) : null;
            var draft = new CapturedCall(
                _route.Provider, model ?? "unknown", _route.Operation, _stream, usage, status, httpStatus,
                _startTime, ToMilliseconds(now - _startTimestamp), ttft, responseId,
                new Attribution(_attribution.UserId, _attribution.Route, metadata), _reservation);
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

/// <summary>Everything captured about one call, before pricing (a value: one less object per call).</summary>
internal readonly record struct CapturedCall(
    string Provider,
    string Model,
    string Operation,
    bool Stream,
    TokenUsage Usage,
    UsageStatus Status,
    int? HttpStatus,
    DateTimeOffset Start,
    int LatencyMs,
    int? TtftMs,
    string? ResponseId,
    Attribution Attribution,
    BudgetReservation? Reservation = null);

/// <summary>
/// An outer capture (the IChatClient middleware) that owns the events of the HTTP calls made beneath it, so
/// one model call yields one event even when both the chat client and its HttpClient are wrapped.
/// </summary>
internal sealed class OuterCapture : IDisposable
{
    private static readonly AsyncLocal<OuterCapture?> s_current = new();
    private readonly OuterCapture? _parent;
    private readonly object _gate = new();
    private List<CapturedCall>? _calls;
    private volatile bool _closed;

    private OuterCapture(OuterCapture? parent) => _parent = parent;

    public static OuterCapture? Current => s_current.Value;

    /// <summary>The LensAI chat client that owns this capture ran the budget check for the whole call.</summary>
    public bool BudgetChecked { get; set; }

    /// <summary>Calls beneath are covered by this capture's budget check (so they are not checked, nor reserved, twice).</summary>
    public bool BudgetCovers => BudgetChecked && !_closed;

    public static OuterCapture Begin()
    {
        var capture = new OuterCapture(s_current.Value);
        s_current.Value = capture;
        return capture;
    }

    /// <summary>Adds a call made beneath this capture; <see langword="false"/> once the capture is closed.</summary>
    public bool TryAdd(CapturedCall call)
    {
        lock (_gate)
        {
            if (_closed)
            {
                return false;
            }

            (_calls ??= []).Add(call);
            return true;
        }
    }

    /// <summary>Closes the capture and returns the calls made beneath it; later calls record on their own.</summary>
    public IReadOnlyList<CapturedCall> Close()
    {
        lock (_gate)
        {
            _closed = true;
            return _calls is null ? [] : _calls.ToArray();
        }
    }

    /// <summary>
    /// Makes this capture current again until the returned scope is disposed. An async iterator resumes in its
    /// consumer's flow, so a streaming hook re-enters its capture around each step of the stream it wraps.
    /// </summary>
    public EnterScope Enter()
    {
        var previous = s_current.Value;
        s_current.Value = this;
        return new EnterScope(previous);
    }

    /// <summary>
    /// Makes no capture current until the returned scope is disposed: the calls made meanwhile are separate calls,
    /// recorded on their own (a kernel function that a chat client's function invocation runs makes calls of its own,
    /// not part of the enclosing client's call).
    /// </summary>
    public static EnterScope Suspend()
    {
        var previous = s_current.Value;
        s_current.Value = null;
        return new EnterScope(previous);
    }

    /// <summary>Stops owning HTTP calls in this flow (later calls, e.g. in a stream's continuation, record directly).</summary>
    public void Dispose()
    {
        if (ReferenceEquals(s_current.Value, this))
        {
            s_current.Value = _parent;
        }
    }

    internal readonly struct EnterScope(OuterCapture? previous) : IDisposable
    {
        public void Dispose() => s_current.Value = previous;
    }
}

/// <summary>
/// Marks an async flow in which a higher-level LensAI hook (the OpenAI pipeline policy) already captures the call,
/// so the HttpClient handler beneath it passes the request through: one call, one event.
/// </summary>
internal static class HttpCaptureSuppression
{
    private static readonly AsyncLocal<bool> s_active = new();

    public static bool IsActive => s_active.Value;

    /// <summary>Suppresses HttpClient capture until the returned scope is disposed.</summary>
    public static Scope Begin()
    {
        var previous = s_active.Value;
        s_active.Value = true;
        return new Scope(previous);
    }

    internal readonly struct Scope(bool previous) : IDisposable
    {
        public void Dispose() => s_active.Value = previous;
    }
}
