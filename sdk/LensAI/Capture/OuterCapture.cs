namespace LensAI.Capture;

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
