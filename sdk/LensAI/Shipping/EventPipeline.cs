using System.Threading.Channels;
using LensAI.Capture;
using LensAI.Diagnostics;
using Microsoft.Extensions.Logging;

namespace LensAI.Shipping;

/// <summary>
/// Bounded channel → batcher → shipper, with the disk spool behind it. Capture only ever calls
/// <see cref="TryEnqueue"/> (never waits); one background loop batches and ships, another replays the spool.
/// </summary>
internal sealed class EventPipeline : IEventSink, IAsyncDisposable
{
    private readonly LensAIOptions _options;
    private readonly TimeProvider _time;
    private readonly LensAIMetrics _metrics;
    private readonly ILogger _logger;
    private readonly Channel<UsageEvent> _channel;
    private readonly EventShipper? _shipper;
    private readonly DiskSpool? _spool;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _replaySignal = new(0, 1);
    private readonly object _flushGate = new();
    private readonly List<(long Target, TaskCompletionSource<bool> Done)> _flushWaiters = [];
    private readonly Task _batchLoop;
    private readonly Task _replayLoop;
    private CancellationTokenSource _wake = new();
    private long _enqueued;
    private long _processed;
    private long _undelivered;
    private int _disposed;
    private volatile bool _stopping;
    private volatile bool _outage;

    public EventPipeline(LensAIOptions options, TimeProvider time, LensAIMetrics metrics, ILogger logger, HttpMessageHandler? transport = null, Func<double>? jitter = null)
    {
        _options = options;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        var channelOptions = new BoundedChannelOptions(options.QueueCapacity)
        {
            SingleReader = true,
            SingleWriter = false,
            AllowSynchronousContinuations = false,
            FullMode = options.OverflowPolicy == OverflowPolicy.DropOldest ? BoundedChannelFullMode.DropOldest : BoundedChannelFullMode.Wait,
        };
        _channel = options.OverflowPolicy == OverflowPolicy.DropOldest
            ? Channel.CreateBounded<UsageEvent>(channelOptions, _ => OnDroppedOldest())
            : Channel.CreateBounded<UsageEvent>(channelOptions);

        if (options.Endpoint is not null)
        {
            _shipper = new EventShipper(options, time, transport, jitter);
            if (options.EnableSpool)
            {
                try
                {
                    _spool = new DiskSpool(options.SpoolDirectory ?? DefaultSpoolDirectory(options), options.SpoolMaxBytes, options.SpoolMaxAge, options.OverflowPolicy, time, metrics, logger);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    Log.SpoolFailed(logger, options.SpoolDirectory ?? "(default)", ex);
                }
            }
        }

        _batchLoop = Task.Run(BatchLoopAsync);
        _replayLoop = _spool is null ? Task.CompletedTask : Task.Run(ReplayLoopAsync);
        if (_spool is { IsEmpty: false })
        {
            SignalReplay();
        }
    }

    public int QueueLength => _channel.Reader.CanCount ? _channel.Reader.Count : 0;

    public long SpoolBytes => _spool?.Bytes ?? 0;

    internal DiskSpool? Spool => _spool;

    public bool TryEnqueue(UsageEvent usageEvent)
    {
        if (_stopping && Volatile.Read(ref _disposed) != 0 && _channel.Reader.Completion.IsCompleted)
        {
            _metrics.Drop(1, "shutdown");
            return false;
        }

        if (_channel.Writer.TryWrite(usageEvent))
        {
            Interlocked.Increment(ref _enqueued);
            return true;
        }

        _metrics.Drop(1, _disposed != 0 ? "shutdown" : "queue_full");
        return false;
    }

    /// <summary>
    /// Ships everything captured so far (and retries the spool) within <paramref name="timeout"/>.
    /// Returns <see langword="true"/> when all of it was delivered and nothing is left in the spool.
    /// </summary>
    public async Task<bool> FlushAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var target = Interlocked.Read(ref _enqueued);
        var undeliveredBefore = Interlocked.Read(ref _undelivered);
        var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_flushGate)
        {
            if (Interlocked.Read(ref _processed) >= target)
            {
                done.TrySetResult(true);
            }
            else
            {
                _flushWaiters.Add((target, done));
            }
        }

        _wake.Cancel();
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

        var delivered = Interlocked.Read(ref _undelivered) == undeliveredBefore;
        if (_spool is { IsEmpty: false } && _shipper is not null)
        {
            delivered &= await ReplayAsync(deadline.Token).ConfigureAwait(false) && _spool.IsEmpty;
        }

        return delivered && (_shipper is not null || _options.Endpoint is null);
    }

    private void OnDroppedOldest()
    {
        // The channel already counted the dropped event in _enqueued; count it as processed so flushes complete.
        Interlocked.Increment(ref _processed);
        _metrics.Drop(1, "queue_full");
    }

    private async Task BatchLoopAsync()
    {
        var reader = _channel.Reader;
        var batch = new List<UsageEvent>(_options.MaxBatchSize);
        while (true)
        {
            try
            {
                if (!await reader.WaitToReadAsync(_stop.Token).ConfigureAwait(false))
                {
                    break;
                }

                Fill(reader, batch);
                if (batch.Count < _options.MaxBatchSize && !_stopping && !FlushPending())
                {
                    await WaitForMoreAsync(reader, batch).ConfigureAwait(false);
                }

                await ShipAsync(batch, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                SpoolAll(batch, reader);
                break;
            }
            catch (Exception ex)
            {
                Log.ShippingLoopFailed(_logger, ex);
                SpoolOrDrop(batch, "loop_error");
            }
            finally
            {
                Complete(batch.Count);
                batch.Clear();
            }
        }
    }

    private async Task WaitForMoreAsync(ChannelReader<UsageEvent> reader, List<UsageEvent> batch)
    {
        var wake = new CancellationTokenSource();
        Interlocked.Exchange(ref _wake, wake).Dispose();
        if (FlushPending())
        {
            return;
        }

        using var delay = new CancellationTokenSource(_options.MaxBatchDelay, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(delay.Token, wake.Token, _stop.Token);
        try
        {
            while (batch.Count < _options.MaxBatchSize && await reader.WaitToReadAsync(linked.Token).ConfigureAwait(false))
            {
                Fill(reader, batch);
            }
        }
        catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
        {
            // batch delay elapsed or a flush asked for it now
        }
    }

    private void Fill(ChannelReader<UsageEvent> reader, List<UsageEvent> batch)
    {
        while (batch.Count < _options.MaxBatchSize && reader.TryRead(out var e))
        {
            batch.Add(e);
        }
    }

    private bool FlushPending()
    {
        lock (_flushGate)
        {
            return _flushWaiters.Count > 0;
        }
    }

    private void Complete(int count)
    {
        var processed = Interlocked.Add(ref _processed, count);
        lock (_flushGate)
        {
            for (var i = _flushWaiters.Count - 1; i >= 0; i--)
            {
                if (processed >= _flushWaiters[i].Target)
                {
                    _flushWaiters[i].Done.TrySetResult(true);
                    _flushWaiters.RemoveAt(i);
                }
            }
        }
    }

    private async Task ShipAsync(List<UsageEvent> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
        {
            return;
        }

        if (_shipper is null)
        {
            return; // no endpoint: captured, priced and counted in process only
        }

        if (_stopping)
        {
            SpoolOrDrop(batch, "shutdown");
            return;
        }

        if (_outage && _spool is not null)
        {
            // The endpoint is down: go straight to disk (no retry waits on the hot loop); the replay loop probes
            // the endpoint with the oldest spooled batch and ends the outage when it is delivered.
            SpoolOrDrop(batch, "outage");
            return;
        }

        await SendPayloadAsync(BatchSerializer.Serialize(batch), batch.Count, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends one payload; spools it when the endpoint is unavailable, splits it on 413. Returns whether it was delivered.</summary>
    private async Task<bool> SendPayloadAsync(byte[] payload, int count, CancellationToken cancellationToken)
    {
        var result = await _shipper!.SendAsync(payload, cancellationToken).ConfigureAwait(false);
        switch (result.Outcome)
        {
            case ShipOutcome.Delivered:
                _metrics.Shipped.Add(count - result.RejectedEvents);
                if (result.RejectedEvents > 0)
                {
                    Log.Rejected(_logger, result.RejectedEvents, result.Detail ?? "");
                    _metrics.Drop(result.RejectedEvents, "rejected");
                }

                if (_spool is { IsEmpty: false })
                {
                    SignalReplay();
                }

                return true;
            case ShipOutcome.Rejected:
                Log.Rejected(_logger, count, result.Detail ?? "");
                _metrics.Drop(count, "rejected");
                Interlocked.Add(ref _undelivered, count);
                return true; // settled: retrying cannot help
            case ShipOutcome.TooLarge when count > 1:
                var events = BatchSerializer.Deserialize(payload);
                var half = events.Count / 2;
                var first = await SendPayloadAsync(BatchSerializer.Serialize(events.GetRange(0, half)), half, cancellationToken).ConfigureAwait(false);
                var second = await SendPayloadAsync(BatchSerializer.Serialize(events.GetRange(half, events.Count - half)), events.Count - half, cancellationToken).ConfigureAwait(false);
                return first && second;
            case ShipOutcome.TooLarge:
                Log.Rejected(_logger, count, "a single event is larger than the endpoint accepts");
                _metrics.Drop(count, "rejected");
                Interlocked.Add(ref _undelivered, count);
                return true;
            case ShipOutcome.Unauthorized:
                Log.Unauthorized(_logger, int.TryParse(result.Detail, out var status) ? status : 401);
                goto default;
            default:
                Interlocked.Add(ref _undelivered, count);
                if (_spool is not null)
                {
                    _outage = true;
                    if (_spool.TryWrite(payload, count))
                    {
                        Log.Spooled(_logger, _shipper.Endpoint, result.Detail ?? result.Outcome.ToString(), count);
                    }
                }
                else
                {
                    _metrics.Drop(count, "no_spool");
                }

                return false;
        }
    }

    private void SpoolOrDrop(List<UsageEvent> batch, string reason)
    {
        if (batch.Count == 0)
        {
            return;
        }

        if (_spool is not null && _spool.TryWrite(BatchSerializer.Serialize(batch), batch.Count))
        {
            Interlocked.Add(ref _undelivered, batch.Count);
            if (reason == "shutdown")
            {
                Log.ShutdownSpooled(_logger, batch.Count);
            }

            return;
        }

        if (_spool is null)
        {
            _metrics.Drop(batch.Count, _shipper is null ? "no_endpoint" : reason);
            if (_shipper is not null)
            {
                Log.Dropped(_logger, batch.Count, reason);
            }
        }
    }

    private void SpoolAll(List<UsageEvent> batch, ChannelReader<UsageEvent> reader)
    {
        Fill(reader, batch);
        while (batch.Count > 0)
        {
            SpoolOrDrop(batch, "shutdown");
            Complete(batch.Count);
            batch.Clear();
            Fill(reader, batch);
        }
    }

    private void SignalReplay()
    {
        if (_replaySignal.CurrentCount == 0)
        {
            try
            {
                _replaySignal.Release();
            }
            catch (SemaphoreFullException)
            {
            }
        }
    }

    private async Task ReplayLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                using var interval = new CancellationTokenSource(_options.SpoolReplayInterval, _time);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(interval.Token, _stop.Token);
                try
                {
                    await _replaySignal.WaitAsync(linked.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
                {
                }

                if (!_stop.IsCancellationRequested && !_stopping)
                {
                    await ReplayAsync(_stop.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                Log.ShippingLoopFailed(_logger, ex);
            }
        }
    }

    private readonly SemaphoreSlim _replayGate = new(1, 1);

    /// <summary>Sends spooled batches oldest first until one fails. Returns whether the spool was emptied.</summary>
    private async Task<bool> ReplayAsync(CancellationToken cancellationToken)
    {
        if (_spool is null || _shipper is null)
        {
            return true;
        }

        await _replayGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var replayed = 0;
            while (_spool.TryLeaseOldest() is { } lease)
            {
                ShipResult result;
                try
                {
                    result = await _shipper.SendAsync(lease.Payload, cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    lease.Release();
                    throw;
                }

                switch (result.Outcome)
                {
                    case ShipOutcome.Delivered:
                        _outage = false;
                        lease.Complete();
                        replayed += lease.EventCount - result.RejectedEvents;
                        _metrics.Shipped.Add(lease.EventCount - result.RejectedEvents);
                        _metrics.Drop(result.RejectedEvents, "rejected");
                        break;
                    case ShipOutcome.Rejected:
                        lease.Complete();
                        Log.Rejected(_logger, lease.EventCount, result.Detail ?? "");
                        _metrics.Drop(lease.EventCount, "rejected");
                        break;
                    case ShipOutcome.TooLarge:
                        // Re-queue the events through the normal path, which splits them.
                        var events = BatchSerializer.Deserialize(lease.Payload);
                        var half = Math.Max(1, events.Count / 2);
                        var ok = await SendPayloadAsync(BatchSerializer.Serialize(events.GetRange(0, half)), half, cancellationToken).ConfigureAwait(false)
                            & (events.Count - half == 0 || await SendPayloadAsync(BatchSerializer.Serialize(events.GetRange(half, events.Count - half)), events.Count - half, cancellationToken).ConfigureAwait(false));
                        lease.Complete();
                        if (!ok)
                        {
                            return false;
                        }

                        break;
                    default:
                        lease.Release();
                        if (replayed > 0)
                        {
                            Log.Replayed(_logger, replayed);
                        }

                        return false;
                }
            }

            if (replayed > 0)
            {
                Log.Replayed(_logger, replayed);
            }

            return true;
        }
        finally
        {
            _replayGate.Release();
        }
    }

    /// <summary>Flushes within <see cref="LensAIOptions.ShutdownTimeout"/>, then spools whatever is left and stops.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _channel.Writer.TryComplete();
        try
        {
            await FlushAsync(_options.ShutdownTimeout, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.ShippingLoopFailed(_logger, ex);
        }

        _stopping = true;
        _stop.Cancel();
        try
        {
            await Task.WhenAll(_batchLoop, _replayLoop).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
        }

        _shipper?.Dispose();
        _stop.Dispose();
        _wake.Dispose();
    }

    internal static string DefaultSpoolDirectory(LensAIOptions options)
    {
        var root = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create);
        if (string.IsNullOrEmpty(root))
        {
            root = Path.GetTempPath();
        }

        var identity = $"{options.Endpoint}|{options.ApiKey}";
        var hash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(identity)))[..16].ToLowerInvariant();
        return Path.Combine(root, "LensAI", "spool", hash);
    }
}
