using System.Collections.Concurrent;
using LensAI.Diagnostics;
using Microsoft.Extensions.Logging;

namespace LensAI.Shipping;

/// <summary>
/// The bounded queue between capture and the transport, and the one background thread that drains it in batches
/// (the shape of OpenTelemetry's <c>BatchExportProcessor</c>). Capture only ever calls <see cref="TryEnqueue"/>:
/// lock-free, never waits, and it wakes the thread only when the queue reaches a full batch — otherwise the thread
/// wakes on its timer, <see cref="LensAIOptions.MaxBatchDelay"/> after the last partial batch. No thread-pool work
/// per event, and a dedicated thread: a thread pool saturated by the application's own work cannot starve shipping
/// (a batch that has to go to the spool is written without waiting on the pool).
/// </summary>
internal sealed class BatchProcessor : IEventSink, IAsyncDisposable
{
    private readonly ConcurrentQueue<UsageEvent> _queue = new();
    private readonly int _capacity;
    private readonly int _batchSize;
    private readonly bool _dropOldest;
    private readonly TimeSpan _delay;
    private readonly TimeSpan _shutdownTimeout;
    private readonly TimeProvider _time;
    private readonly LensAIMetrics _metrics;
    private readonly ILogger _logger;
    private readonly IEventTransport? _transport;
    private readonly ManualResetEventSlim _wake = new(false, spinCount: 0);
    private readonly ITimer _timer;
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private readonly object _flushGate = new();
    private readonly List<(long Target, TaskCompletionSource<bool> Done)> _flushWaiters = [];

    // Every event that reached TryEnqueue is counted once in _added, and leaves exactly once: taken by the loop
    // (_taken, then _settled once its batch is settled) or given way (_gone: dropped to make room, or refused).
    private long _added;
    private long _gone;
    private long _taken;
    private long _settled;
    private long _lost;
    private int _disposed;
    private volatile bool _closed;
    private volatile bool _stopping;

    /// <summary>Starts the loop. <paramref name="transport"/> is where batches go; <see langword="null"/> without an endpoint (events are then captured, priced and counted in process only).</summary>
    public BatchProcessor(LensAIOptions options, IEventTransport? transport, TimeProvider time, LensAIMetrics metrics, ILogger logger)
    {
        _capacity = options.QueueCapacity;
        _batchSize = Math.Min(options.MaxBatchSize, options.QueueCapacity);
        _dropOldest = options.OverflowPolicy == OverflowPolicy.DropOldest;
        _delay = options.MaxBatchDelay;
        _shutdownTimeout = options.ShutdownTimeout;
        _transport = transport;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _timer = time.CreateTimer(static state => ((BatchProcessor)state!)._wake.Set(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        new Thread(Run) { IsBackground = true, Name = "LensAI batch processor" }.Start();
    }

    /// <summary>Events waiting in memory.</summary>
    public int QueueLength => (int)Math.Max(0, Volatile.Read(ref _added) - Volatile.Read(ref _gone) - Volatile.Read(ref _taken));

    public long StoredBytes => _transport?.StoredBytes ?? 0;

    internal IEventTransport? Transport => _transport;

    /// <summary>Queues an event for shipping. Never blocks, never throws; a drop is counted (<c>queue_full</c>, <c>shutdown</c>).</summary>
    public bool TryEnqueue(UsageEvent usageEvent)
    {
        if (_closed)
        {
            _metrics.Drop(1, "shutdown");
            return false;
        }

        var count = Interlocked.Increment(ref _added) - Volatile.Read(ref _gone) - Volatile.Read(ref _taken);
        if (count > _capacity)
        {
            Interlocked.Increment(ref _gone);
            _metrics.Drop(1, "queue_full");
            if (!_dropOldest || !_queue.TryDequeue(out _))
            {
                return false; // drop-newest (or the loop just took everything): this event gives way
            }

            // drop-oldest: the oldest event gave way to this one
        }

        _queue.Enqueue(usageEvent);
        if (count == _batchSize)
        {
            Wake(); // a full batch is ready: the only signal on the hot path, once per batch
        }

        return true;
    }

    /// <summary>
    /// Ships everything queued so far (and what the spool holds) within <paramref name="timeout"/>.
    /// Returns <see langword="true"/> when all of it was delivered and nothing is left in the spool.
    /// </summary>
    public async Task<bool> FlushAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var target = Volatile.Read(ref _added);
        var lostBefore = Interlocked.Read(ref _lost);
        var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_flushGate)
        {
            if (Settled >= target)
            {
                done.TrySetResult(true);
            }
            else
            {
                _flushWaiters.Add((target, done));
            }
        }

        Wake();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await done.Task.WaitAsync(timeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return false;
        }

        var delivered = Interlocked.Read(ref _lost) == lostBefore;
        if (_transport is null)
        {
            return delivered;
        }

        try
        {
            return await _transport.FlushAsync(deadline.Token).ConfigureAwait(false) && delivered;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false; // the spool did not drain within the timeout
        }
    }

    private long Settled => Volatile.Read(ref _settled) + Volatile.Read(ref _gone);

    private bool FlushPending
    {
        get
        {
            lock (_flushGate)
            {
                return _flushWaiters.Count > 0;
            }
        }
    }

    /// <summary>Wakes the thread (a futex wake when it sleeps; nothing queued anywhere).</summary>
    private void Wake() => _wake.Set();

    private void Run()
    {
        try
        {
            Loop();
        }
        catch (Exception ex)
        {
            Log.ShippingLoopFailed(_logger, ex);
        }
        finally
        {
            _finished.TrySetResult();
        }
    }

    private void Loop()
    {
        var batch = new List<UsageEvent>(_batchSize);
        var due = _time.GetTimestamp();
        while (true)
        {
            var waited = _time.GetElapsedTime(due);
            var all = _stopping || waited >= _delay || FlushPending;
            if (!all && QueueLength < _batchSize)
            {
                if (_stop.IsCancellationRequested && QueueLength == 0)
                {
                    break;
                }

                // Sleep until a full batch, a flush or shutdown wakes the thread, or the batch delay is up.
                _timer.Change(_delay - waited, Timeout.InfiniteTimeSpan);
                _wake.Wait();
                _wake.Reset(); // a wake from now on is for what comes next: the conditions are read after this
                continue;
            }

            if (all)
            {
                due = _time.GetTimestamp(); // a partial batch waits at most MaxBatchDelay from here
            }

            do
            {
                Take(batch);
                if (batch.Count == 0)
                {
                    break;
                }

                Export(batch);
            }
            while (all ? QueueLength > 0 : QueueLength >= _batchSize);

            CompleteFlushWaiters();
            if (_stopping && _stop.IsCancellationRequested && QueueLength == 0)
            {
                break;
            }
        }
    }

    private void Take(List<UsageEvent> batch)
    {
        while (batch.Count < _batchSize && _queue.TryDequeue(out var e))
        {
            batch.Add(e);
        }

        Volatile.Write(ref _taken, _taken + batch.Count);
    }

    /// <summary>Hands one batch to the transport and waits for it to be settled (this thread is for nothing else).</summary>
    private void Export(List<UsageEvent> batch)
    {
        try
        {
            if (_transport is null)
            {
                return; // no endpoint: captured, priced and counted in process only
            }

            if (_stopping)
            {
                Keep(batch, "shutdown");
                return;
            }

            var lost = _transport.SendAsync(batch, _stop.Token).GetAwaiter().GetResult();
            if (lost > 0)
            {
                Interlocked.Add(ref _lost, lost);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            Keep(batch, "shutdown"); // shutdown cut the send short: keep the batch for the next start
        }
        catch (Exception ex)
        {
            Log.ShippingLoopFailed(_logger, ex);
            Keep(batch, "loop_error");
        }
        finally
        {
            Volatile.Write(ref _settled, _settled + batch.Count);
            batch.Clear();
        }
    }

    private void Keep(List<UsageEvent> batch, string reason)
    {
        var kept = false;
        try
        {
            kept = _transport?.Keep(batch, reason) ?? false;
        }
        catch (Exception ex)
        {
            Log.ShippingLoopFailed(_logger, ex);
        }

        if (!kept)
        {
            Interlocked.Add(ref _lost, batch.Count);
        }
    }

    private void CompleteFlushWaiters()
    {
        var settled = Settled;
        lock (_flushGate)
        {
            for (var i = _flushWaiters.Count - 1; i >= 0; i--)
            {
                if (settled >= _flushWaiters[i].Target)
                {
                    _flushWaiters[i].Done.TrySetResult(true);
                    _flushWaiters.RemoveAt(i);
                }
            }
        }
    }

    /// <summary>Flushes within <see cref="LensAIOptions.ShutdownTimeout"/>, then keeps (spools) whatever is left and stops. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _closed = true; // later events are dropped as "shutdown"
        try
        {
            await FlushAsync(_shutdownTimeout, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.ShippingLoopFailed(_logger, ex);
        }

        _stopping = true;
        await _stop.CancelAsync().ConfigureAwait(false);
        Wake();
        try
        {
            await _finished.Task.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }

        await _timer.DisposeAsync().ConfigureAwait(false);

        if (_transport is not null)
        {
            await _transport.DisposeAsync().ConfigureAwait(false);
        }

        _stop.Dispose();

        // _wake is not disposed: a call racing with shutdown may still set it (it holds no kernel handle).
    }
}
