using System.Diagnostics;
using LensAI.Backend.Storage;
using Microsoft.Extensions.Logging;

namespace LensAI.Backend.Jobs;

/// <summary>
/// Runs a job by name under a storage lease (two instances never run the same job at once), measuring and logging it.
/// Used by the in-process scheduler, the Azure Functions worker's timer functions and the CLI. It takes only jobs that
/// <see cref="JobRegistry"/> declares, each once.
/// <para>
/// The lease is short (<see cref="LeaseDuration"/>) and renewed every third of it while the job runs, so a long job
/// keeps it, and an instance that dies mid-run (<c>kill -9</c>, a recycled Functions host) leaves a lease that expires
/// at most <see cref="LeaseDuration"/> later, when the next timer on another instance takes the job over. A run whose
/// lease cannot be renewed before it expires (storage unreachable, or another instance took it) is cancelled.
/// </para>
/// </summary>
public sealed partial class JobRunner
{
    private static readonly string s_owner = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";
    private readonly Dictionary<string, IBackendJob> _jobs;
    private readonly IObjectStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger<JobRunner> _logger;

    public JobRunner(IEnumerable<IBackendJob> jobs, IObjectStore store, TimeProvider time, ILogger<JobRunner> logger)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        _jobs = new Dictionary<string, IBackendJob>(StringComparer.OrdinalIgnoreCase);
        foreach (var job in jobs)
        {
            var name = job.Definition.Name;
            if (!JobRegistry.TryGet(name, out var declared) || declared != job.Definition)
            {
                throw new ArgumentException($"Job '{name}' ({job.GetType().Name}) is not declared in JobRegistry.", nameof(jobs));
            }

            if (!_jobs.TryAdd(name, job))
            {
                throw new ArgumentException($"Job '{name}' is registered twice.", nameof(jobs));
            }
        }

        _store = store;
        _time = time;
        _logger = logger;
    }

    internal IReadOnlyCollection<IBackendJob> Jobs => _jobs.Values;

    /// <summary>How long a job's lease lasts unless renewed (<c>LensAI:Backend:JobLeaseDuration</c>). Default 30 s.</summary>
    internal TimeSpan LeaseDuration { get; init; } = BackendOptions.DefaultJobLeaseDuration;

    internal bool TryGet(string name, out IBackendJob job) => _jobs.TryGetValue(name, out job!);

    /// <summary>Runs the job if no other instance holds its lease; returns null when it was skipped for that reason.</summary>
    public async Task<JobResult?> RunAsync(string name, CancellationToken cancellationToken, string? owner = null)
    {
        if (!_jobs.TryGetValue(name, out var job))
        {
            throw new ArgumentException($"Unknown job '{name}'. Jobs: {string.Join(", ", _jobs.Keys.Order())}.", nameof(name));
        }

        var lease = await StorageLease.TryAcquireAsync(_store, _time, "job-" + job.Definition.Name, owner ?? s_owner, LeaseDuration, cancellationToken).ConfigureAwait(false);
        if (lease is null)
        {
            LogSkipped(_logger, job.Definition.Name);
            return null;
        }

        var started = Stopwatch.GetTimestamp();
        using var run = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var stopRenewing = new CancellationTokenSource();
        var renewing = KeepAsync(lease, job.Definition.Name, run, stopRenewing.Token);
        try
        {
            var result = await job.RunAsync(run.Token).ConfigureAwait(false);
            LogRan(_logger, job.Definition.Name, Stopwatch.GetElapsedTime(started).TotalMilliseconds, result.Summary);
            return result;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogFailed(_logger, job.Definition.Name, ex);
            throw;
        }
        finally
        {
            await stopRenewing.CancelAsync().ConfigureAwait(false);
            await renewing.ConfigureAwait(false);
            await lease.ReleaseAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Renews <paramref name="lease"/> every third of <see cref="LeaseDuration"/> until <paramref name="stop"/>; cancels
    /// <paramref name="run"/> when the lease was taken by another instance, or could not be renewed before it expired.
    /// </summary>
    private async Task KeepAsync(StorageLease lease, string job, CancellationTokenSource run, CancellationToken stop)
    {
        var every = LeaseDuration / 3;
        try
        {
            while (true)
            {
                await Task.Delay(every, _time, stop).ConfigureAwait(false);
                bool held;
                try
                {
                    held = await lease.RenewAsync(LeaseDuration, stop).ConfigureAwait(false);
                }
                catch (ObjectStoreException ex)
                {
                    LogRenewFailed(_logger, job, ex);
                    held = _time.GetUtcNow() + every < lease.Expires; // try again while it still holds past the next attempt
                }

                if (!held)
                {
                    LogLeaseLost(_logger, job);
                    await run.CancelAsync().ConfigureAwait(false);
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The job ended.
        }
    }

    /// <summary>
    /// A timer's invocation of the job (the Azure Functions worker's timer functions): like <see cref="RunAsync"/>, but
    /// a job this deployment does not configure (<c>stripe-sync</c> without Stripe settings) is logged and skipped
    /// rather than an error, so every timer can be declared whatever the settings.
    /// </summary>
    internal async Task<JobResult?> RunFromTimerAsync(string name, bool isPastDue, CancellationToken cancellationToken)
    {
        if (!_jobs.ContainsKey(name))
        {
            LogNotConfigured(_logger, name);
            return null;
        }

        if (isPastDue)
        {
            LogPastDue(_logger, name);
        }

        return await RunAsync(name, cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(1, LogLevel.Information, "Job {Job} ran in {Milliseconds:0} ms: {Summary}")]
    private static partial void LogRan(ILogger logger, string job, double milliseconds, string summary);

    [LoggerMessage(2, LogLevel.Debug, "Job {Job} skipped: another instance holds its lease.")]
    private static partial void LogSkipped(ILogger logger, string job);

    [LoggerMessage(3, LogLevel.Error, "Job {Job} failed; it runs again on its next schedule.")]
    private static partial void LogFailed(ILogger logger, string job, Exception exception);

    [LoggerMessage(4, LogLevel.Information, "Job {Job} is not configured in this deployment; its timer does nothing.")]
    private static partial void LogNotConfigured(ILogger logger, string job);

    [LoggerMessage(5, LogLevel.Warning, "Job {Job}: its timer is past due (a run was missed); running now.")]
    private static partial void LogPastDue(ILogger logger, string job);

    [LoggerMessage(6, LogLevel.Warning, "Job {Job}: renewing its lease failed; trying again while it lasts.")]
    private static partial void LogRenewFailed(ILogger logger, string job, Exception exception);

    [LoggerMessage(7, LogLevel.Error, "Job {Job}: its lease was lost (taken by another instance, or not renewed in time); the run is cancelled.")]
    private static partial void LogLeaseLost(ILogger logger, string job);
}
