using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using LensAI.Connection;
using LensAI.Diagnostics;
using Microsoft.Extensions.Logging;

namespace LensAI.Budgets;

/// <summary>
/// Polls <c>GET {Endpoint}/v1/budgets/status</c> for the budget guard: the first poll when the client starts, then a
/// conditional GET (<c>If-None-Match</c>: an unchanged status costs a 304) every
/// <see cref="LensAIBudgetOptions.PollInterval"/> after the previous one ends, on a <see cref="TimeProvider"/> timer.
/// A new document goes to <see cref="BudgetGuard.Apply"/>; a failed poll keeps the last one in force and is counted
/// (<c>lensai.budget.poll.failures</c>) and logged, rate-limited. Never throws.
/// </summary>
internal sealed class BudgetStatusPoller : IAsyncDisposable
{
    private static readonly TimeSpan s_pollFailureLogInterval = TimeSpan.FromMinutes(5);

    private readonly BudgetGuard _guard;
    private readonly BackendConnection _connection;
    private readonly LensAIBudgetOptions _options;
    private readonly TimeSpan _requestTimeout;
    private readonly TimeProvider _time;
    private readonly LensAIMetrics _metrics;
    private readonly ILogger _logger;
    private readonly ITimer _timer;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _pollGate = new(1, 1);
    private EntityTagHeaderValue? _etag;
    private Task _currentPoll = Task.CompletedTask;
    private int _polls;
    private int _consecutiveFailures;
    private long _lastFailureLog;
    private int _disposed;

    public BudgetStatusPoller(BudgetGuard guard, BackendConnection connection, LensAIOptions options, TimeProvider time, LensAIMetrics metrics, ILogger logger)
    {
        _guard = guard;
        _connection = connection;
        _options = options.Budgets;
        _requestTimeout = options.RequestTimeout;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        StatusUri = connection.Resolve("/v1/budgets/status");
        _timer = time.CreateTimer(static state => ((BudgetStatusPoller)state!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _currentPoll = Task.Run(() => PollAsync());
    }

    public Uri StatusUri { get; }

    /// <summary>The poll in progress (or the last one): tests await it after advancing the clock.</summary>
    internal Task CurrentPoll => Volatile.Read(ref _currentPoll);

    /// <summary>Polls completed (successful or not).</summary>
    internal int Polls => Volatile.Read(ref _polls);

    /// <summary>Polls now (tests; the timer polls on its own). Never throws.</summary>
    internal Task PollNowAsync() => PollAsync();

    private void OnTimer()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        Volatile.Write(ref _currentPoll, PollAsync());
    }

    private async Task PollAsync()
    {
        try
        {
            await _pollGate.WaitAsync(_stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        try
        {
            await PollOnceAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (!_stop.IsCancellationRequested)
        {
            OnPollFailed(ex.GetType().Name, ex);
        }
        catch (Exception)
        {
            // Shutting down.
        }
        finally
        {
            try
            {
                _guard.ExpireReservations();
            }
            catch (Exception ex)
            {
                _guard.OnGuardError(ex);
            }

            Interlocked.Increment(ref _polls);
            _pollGate.Release();
            if (!_stop.IsCancellationRequested)
            {
                try
                {
                    _timer.Change(_options.PollInterval, Timeout.InfiniteTimeSpan);
                }
                catch (ObjectDisposedException)
                {
                    // Disposed while polling.
                }
            }
        }
    }

    private async Task PollOnceAsync()
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(_requestTimeout);
        using var request = _connection.Request(HttpMethod.Get, StatusUri);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (_etag is { } etag && _guard.Document is not null)
        {
            request.Headers.IfNoneMatch.Add(etag);
        }

        try
        {
            using var response = await _connection.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.NotModified)
            {
                OnPollSucceeded();
                return;
            }

            if (!response.IsSuccessStatusCode)
            {
                OnPollFailed("HTTP " + ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture), null);
                return;
            }

            var stream = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                var document = await JsonSerializer.DeserializeAsync(stream, BudgetStatusJsonContext.Default.BudgetStatusDocument, timeout.Token).ConfigureAwait(false);
                if (document?.Budgets is null)
                {
                    OnPollFailed("the status document is empty", null);
                    return;
                }

                _guard.Apply(document);
            }

            _etag = response.Headers.ETag;
            OnPollSucceeded();
        }
        catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
        {
            OnPollFailed("timed out", null);
        }
        catch (HttpRequestException ex)
        {
            OnPollFailed(ex.HttpRequestError.ToString(), null);
        }
        catch (JsonException ex)
        {
            OnPollFailed("the status document is not valid JSON", ex);
        }
    }

    private void OnPollSucceeded()
    {
        var failures = Interlocked.Exchange(ref _consecutiveFailures, 0);
        if (failures > 0)
        {
            Log.BudgetPollRecovered(_logger, StatusUri, failures);
        }
    }

    private void OnPollFailed(string reason, Exception? exception)
    {
        _metrics.BudgetPollFailures.Add(1);
        Interlocked.Increment(ref _consecutiveFailures);
        var now = _time.GetTimestamp();
        var last = Interlocked.Read(ref _lastFailureLog);
        if (last == 0 || _time.GetElapsedTime(last, now) >= s_pollFailureLogInterval)
        {
            Interlocked.Exchange(ref _lastFailureLog, now == 0 ? 1 : now);
            Log.BudgetPollFailed(_logger, StatusUri, reason, exception);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _timer.DisposeAsync().ConfigureAwait(false);
        try
        {
            await CurrentPoll.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Polls never throw; shutting down regardless.
        }

        _stop.Dispose();
    }
}
