using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LensAI.Backend.Jobs;

/// <summary>
/// The embedded default's timer: runs every job at its interval, aligned to the clock (a 1-minute job at :00 of each
/// minute), on a <see cref="TimeProvider"/> so tests drive it with a fake clock. Never registered in the Azure Functions
/// worker, whose timer functions call the same jobs on their <see cref="JobSchedules"/>.
/// </summary>
public sealed partial class JobScheduler(JobRunner runner, BackendOptions options, TimeProvider time, ILogger<JobScheduler> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
        => options.RunScheduler ? Task.WhenAll(runner.Jobs.Select(job => LoopAsync(job, stoppingToken))) : Task.CompletedTask;

    private async Task LoopAsync(IBackendJob job, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = time.GetUtcNow();
            var interval = job.Interval.Ticks;
            var next = new DateTimeOffset(((now.UtcTicks / interval) + 1) * interval, TimeSpan.Zero);
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
