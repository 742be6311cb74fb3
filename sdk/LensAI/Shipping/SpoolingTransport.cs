using LensAI.Diagnostics;
using Microsoft.Extensions.Logging;

namespace LensAI.Shipping;

/// <summary>
/// The disk spool as a decorator around the ingest transport (the way Sentry's <c>CachingTransport</c> wraps its
/// transport). A fresh batch gets one attempt; what cannot be delivered goes to disk at once, so the batch processor
/// never waits on retries while calls keep coming. During an outage fresh batches go straight to disk, and a replay
/// loop probes the endpoint with the oldest spooled batch (with retries, backoff and <c>Retry-After</c>) every
/// <see cref="LensAIOptions.SpoolReplayInterval"/>, or as soon as a fresh batch is delivered, and drains the spool
/// oldest first.
/// </summary>
internal sealed class SpoolingTransport : IEventTransport
{
    private readonly IngestTransport _inner;
    private readonly DiskSpool _spool;
    private readonly LensAIMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly TimeSpan _replayInterval;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _replaySignal = new(0, 1);
    private readonly SemaphoreSlim _replayGate = new(1, 1);
    private readonly Task _replayLoop;
    private volatile bool _outage;

    public SpoolingTransport(IngestTransport inner, DiskSpool spool, TimeSpan replayInterval, TimeProvider time, LensAIMetrics metrics, ILogger logger)
    {
        _inner = inner;
        _spool = spool;
        _replayInterval = replayInterval;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _replayLoop = Task.Run(ReplayLoopAsync);
        if (!spool.IsEmpty)
        {
            SignalReplay(); // an earlier process left batches behind
        }
    }

    public long StoredBytes => _spool.Bytes;

    internal DiskSpool Spool => _spool;

    public async Task<int> SendAsync(IReadOnlyList<UsageEvent> batch, CancellationToken cancellationToken)
    {
        using var outgoing = OutgoingBatch.Of(batch);
        if (_outage)
        {
            // The endpoint is down: straight to disk (no waits on the batch processor); the replay loop probes it.
            return Write(outgoing, "outage") ? 0 : batch.Count;
        }

        var undelivered = new List<OutgoingBatch>();
        var lost = await _inner.DeliverAsync(outgoing, IngestTransport.Attempts.Once, undelivered, cancellationToken).ConfigureAwait(false);
        if (undelivered.Count == 0)
        {
            if (!_spool.IsEmpty)
            {
                SignalReplay(); // the endpoint answers again: drain what an outage left
            }

            return lost;
        }

        _outage = true;
        foreach (var part in undelivered)
        {
            lost += Write(part, _inner.LastFailure) ? 0 : part.Count;
            part.Dispose();
        }

        return lost;
    }

    public bool Keep(IReadOnlyList<UsageEvent> batch, string reason)
    {
        using var outgoing = OutgoingBatch.Of(batch);
        if (!Write(outgoing, reason))
        {
            return false;
        }

        if (reason == "shutdown")
        {
            Log.ShutdownSpooled(_logger, batch.Count);
        }

        return true;
    }

    public async Task<bool> FlushAsync(CancellationToken cancellationToken)
        => _spool.IsEmpty || (await ReplayAsync(cancellationToken).ConfigureAwait(false) && _spool.IsEmpty);

    private bool Write(OutgoingBatch batch, string reason)
    {
        if (!_spool.TryWrite(batch.Payload.Span, batch.Count))
        {
            return false; // counted by the spool (spool_full or spool_error)
        }

        if (reason is not ("outage" or "shutdown"))
        {
            Log.Spooled(_logger, _inner.Endpoint, reason, batch.Count);
        }

        return true;
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
                using var interval = new CancellationTokenSource(_replayInterval, _time);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(interval.Token, _stop.Token);
                try
                {
                    await _replaySignal.WaitAsync(linked.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
                {
                }

                if (!_stop.IsCancellationRequested && !_spool.IsEmpty)
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

    /// <summary>Sends spooled batches oldest first until one fails. Returns whether the spool was emptied.</summary>
    private async Task<bool> ReplayAsync(CancellationToken cancellationToken)
    {
        await _replayGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var replayed = 0;
            try
            {
                while (_spool.TryLeaseOldest() is { } lease)
                {
                    if (!await ReplayOneAsync(lease, cancellationToken).ConfigureAwait(false))
                    {
                        return false;
                    }

                    replayed += lease.EventCount;
                }

                _outage = false;
                return true;
            }
            finally
            {
                if (replayed > 0)
                {
                    Log.Replayed(_logger, replayed);
                }
            }
        }
        finally
        {
            _replayGate.Release();
        }
    }

    /// <summary>Sends one leased batch (split on 413 by the ingest transport); returns whether the replay may go on.</summary>
    private async Task<bool> ReplayOneAsync(SpoolLease lease, CancellationToken cancellationToken)
    {
        using var batch = OutgoingBatch.Spooled(lease.Payload, lease.EventCount);
        var undelivered = new List<OutgoingBatch>();
        try
        {
            await _inner.DeliverAsync(batch, IngestTransport.Attempts.Retrying, undelivered, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            lease.Release();
            throw;
        }

        if (undelivered.Count == 1 && ReferenceEquals(undelivered[0], batch))
        {
            lease.Release(); // the endpoint still does not take it: it stays first in line
            return false;
        }

        // Delivered or settled; parts of a split that could not go are spooled again on their own.
        foreach (var part in undelivered)
        {
            _spool.TryWrite(part.Payload.Span, part.Count);
            part.Dispose();
        }

        lease.Complete();
        if (undelivered.Count > 0)
        {
            return false;
        }

        _outage = false;
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _replayLoop.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
        }

        _stop.Dispose();
    }
}
