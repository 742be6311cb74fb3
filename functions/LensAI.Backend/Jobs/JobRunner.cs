using System.Diagnostics;
using LensAI.Backend.Storage;
using Microsoft.Extensions.Logging;

namespace LensAI.Backend.Jobs;

/// <summary>
/// Runs a job by name under a storage lease (two instances never run the same job at once), measuring and logging it.
/// Used by the embedded scheduler, the Azure Functions worker's timer functions and the CLI.
/// </summary>
public sealed partial class JobRunner(IEnumerable<IBackendJob> jobs, IObjectStore store, TimeProvider time, ILogger<JobRunner> logger)
{
    private static readonly string s_owner = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";
    private readonly Dictionary<string, IBackendJob> _jobs = jobs.ToDictionary(j => j.Name, StringComparer.OrdinalIgnoreCase);

    public IReadOnlyCollection<IBackendJob> Jobs => _jobs.Values;

    public bool TryGet(string name, out IBackendJob job) => _jobs.TryGetValue(name, out job!);

    /// <summary>Runs the job if no other instance holds its lease; returns null when it was skipped for that reason.</summary>
    public async Task<JobResult?> RunAsync(string name, CancellationToken cancellationToken, string? owner = null)
    {
        if (!_jobs.TryGetValue(name, out var job))
        {
            throw new ArgumentException($"Unknown job '{name}'. Jobs: {string.Join(", ", _jobs.Keys.Order())}.", nameof(name));
        }

        var lease = await StorageLease.TryAcquireAsync(store, time, "job-" + job.Name, owner ?? s_owner, TimeSpan.FromMinutes(10), cancellationToken).ConfigureAwait(false);
        if (lease is null)
        {
            LogSkipped(logger, job.Name);
            return null;
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = await job.RunAsync(cancellationToken).ConfigureAwait(false);
            LogRan(logger, job.Name, Stopwatch.GetElapsedTime(started).TotalMilliseconds, result.Summary);
            return result;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFailed(logger, job.Name, ex);
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
    public async Task<JobResult?> RunFromTimerAsync(string name, bool isPastDue, CancellationToken cancellationToken)
    {
        if (!_jobs.ContainsKey(name))
        {
            LogNotConfigured(logger, name);
            return null;
        }

        if (isPastDue)
        {
            LogPastDue(logger, name);
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
