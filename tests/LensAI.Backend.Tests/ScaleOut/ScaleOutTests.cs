using LensAI.Backend.Benchmarks;
using Xunit.Abstractions;

namespace LensAI.Backend.Tests.ScaleOut;

/// <summary>
/// The smoke version of the <c>scale-out</c> benchmark (<see cref="ScaleOutRun"/>): two ingest processes (the server
/// executable) and two job-runner processes on one local folder, a load generator here, one ingest process killed
/// (<c>kill -9</c>) under load and the job runner holding a job lease killed mid-job, before any budget threshold is
/// crossed. Every acknowledged event must then be in the export and the report exactly once, at the catalogue's cost,
/// the killed runner's lease must be taken over, and each alert the budget checks queued delivered once. Every wait polls with a deadline.
/// </summary>
public sealed class ScaleOutTests(ITestOutputHelper output)
{
    [Fact(Timeout = 300_000)]
    public async Task Killing_an_ingest_process_and_a_job_runner_loses_no_event_and_sends_each_alert_once()
    {
        var result = await ScaleOutRun.RunAsync(new ScaleOutSettings
        {
            IngestInstances = 2,
            JobInstances = 2,
            Projects = 2,
            BatchesPerProject = 15,
            EventsPerBatch = 200,
            Connections = 4,
            JobLease = TimeSpan.FromSeconds(2),
            BudgetCheckMs = 100,
            OtherJobsMs = 1000,
            KillIngestAt = 0.1,
            KillJobsAt = 0.2, // 25 % of each budget: no alert is pending when the job runner dies
            PauseUntilTakeover = true,
            Deadline = TimeSpan.FromSeconds(120),
            Log = output.WriteLine,
        });
        output.WriteLine(result.ToString());

        Assert.Equal(0, result.BatchesFailed);
        Assert.Equal(2 * 15 * 200, result.EventsAcknowledged);
        Assert.Equal(result.EventsAcknowledged, result.ExportRows);
        Assert.Equal(0, result.ExportDuplicates);
        Assert.Equal(0, result.ExportMissing);
        Assert.Equal(0, result.ExportUnacknowledged);
        Assert.Equal(0, result.ExportCostMismatches);
        Assert.Equal(result.ExpectedCost, result.ExportCost);
        Assert.Equal(result.EventsAcknowledged, result.ReportRequests);
        Assert.Equal(result.ExpectedCost, result.ReportCost);

        Assert.NotNull(result.KilledLease);
        Assert.NotNull(result.TakeoverSeconds);

        Assert.Equal(2 * 4, result.ThresholdsCrossed); // 50, 75, 90 and 100 % of each project's budget
        Assert.InRange(result.AlertsQueued, 2, 2 * 4); // at least the 100 % alert of each; thresholds crossed in one check share one alert
        Assert.Equal(0, result.AlertsDead);
        Assert.Equal(result.AlertsQueued, result.AlertsReceived);
        Assert.Equal(result.AlertsReceived, result.AlertDeliveries);
        Assert.Equal(0, result.AlertsUnexpected);
    }
}
