using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LensAI.Backend.Jobs;

/// <summary>
/// The ASP.NET Core app's in-process timer: runs every job at the occurrences of its <see cref="JobRegistry"/> schedule
/// (the NCRONTAB expression the Azure Functions timers follow, so a job runs at the same minute and second in every
/// host), on a <see cref="TimeProvider"/> so tests drive it with a fake clock. Off when
/// <c>LensAI:Backend:RunScheduler</c> is false; never registered in the Azure Functions worker, whose timer functions
/// run the jobs. A run that overruns its next occurrence skips it: the following one is taken from when it ended.
/// </summary>
internal sealed partial class JobScheduler(JobRunner runner, BackendOptions options, TimeProvider time, ILogger<JobScheduler> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
        => options.RunScheduler ? Task.WhenAll(runner.Jobs.Select(job => LoopAsync(job.Definition, stoppingToken))) : Task.CompletedTask;

    private async Task LoopAsync(JobDefinition job, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = time.GetUtcNow();
            var next = job.NextAfter(now);
            try
            {
                await Task.Delay(next - now, time, stoppingToken).ConfigureAwait(false);
                await runner.RunAsync(job.Name, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogLoopError(logger, job.Name, ex);
            }
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "Scheduled run of {Job} failed; the next one is on schedule.")]
    private static partial void LogLoopError(ILogger logger, string job, Exception exception);
}
