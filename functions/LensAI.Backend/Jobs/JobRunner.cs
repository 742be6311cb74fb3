using System.Diagnostics;
using LensAI.Backend.Storage;
using Microsoft.Extensions.Logging;

namespace LensAI.Backend.Jobs;

/// <summary>
/// Runs a job by name under a storage lease (two instances never run the same job at once), measuring and logging it.
/// Used by the in-process scheduler, the Azure Functions worker's timer functions and the CLI. It takes only jobs that
/// <see cref="JobRegistry"/> declares, each once.
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

    internal bool TryGet(string name, out IBackendJob job) => _jobs.TryGetValue(name, out job!);

    /// <summary>Runs the job if no other instance holds its lease; returns null when it was skipped for that reason.</summary>
    public async Task<JobResult?> RunAsync(string name, CancellationToken cancellationToken, string? owner = null)
    {
        if (!_jobs.TryGetValue(name, out var job))
        {
            throw new ArgumentException($"Unknown job '{name}'. Jobs: {string.Join(", ", _jobs.Keys.Order())}.", nameof(name));
        }

        var lease = await StorageLease.TryAcquireAsync(_store, _time, "job-" + job.Definition.Name, owner ?? s_owner, TimeSpan.FromMinutes(10), cancellationToken).ConfigureAwait(false);
        if (lease is null)
        {
            LogSkipped(_logger, job.Definition.Name);
            return null;
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = await job.RunAsync(cancellationToken).ConfigureAwait(false);
            LogRan(_logger, job.Definition.Name, Stopwatch.GetElapsedTime(started).TotalMilliseconds, result.Summary);
            return result;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFailed(_logger, job.Definition.Name, ex);
            throw;
        }
        finally
        {
            await lease.ReleaseAsync(CancellationToken.None).ConfigureAwait(false);
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
}
