using System.Collections.Concurrent;
using System.Reflection;
using System.Text.RegularExpressions;
using LensAI.Backend;
using LensAI.Backend.Jobs;
using LensAI.Backend.Storage;
using LensAI.Hosting;
using LensAI.Testing;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LensAI.Functions.Tests;

/// <summary>
/// One job registry: the timer functions, <see cref="JobRunner"/> in both hosts, the in-process scheduler and the docs
/// all agree with <see cref="JobRegistry"/> (the CLI's <c>jobs list</c> is checked in LensAI.Cli.Tests).
/// </summary>
public sealed partial class JobRegistryTests
{
    private static readonly Dictionary<string, string?> s_stripe = new()
    {
        ["LensAI:Backend:Stripe:ApiKey"] = "sk_test_lensai",
        ["LensAI:Backend:Stripe:MeterEventName"] = "lensai_cost",
    };

    [Fact]
    public void Every_timer_function_is_a_registered_job_on_its_schedule_and_every_job_has_one()
    {
        var timers = typeof(TimerFunctions).GetMethods()
            .Select(m => (Function: m.GetCustomAttribute<FunctionAttribute>(), Timer: m.GetParameters().Select(p => p.GetCustomAttribute<TimerTriggerAttribute>()).SingleOrDefault(a => a is not null)))
            .Where(t => t.Function is not null)
            .Select(t => (t.Function!.Name, t.Timer!.Schedule))
            .ToList();
        Assert.Equal(JobRegistry.All.Select(j => (j.Name, j.Schedule)).Order(), timers.Order());
        Assert.Equal(JobRegistry.All.Count, JobRegistry.All.Select(j => j.Name).Distinct().Count());
    }

    [Fact]
    public async Task Both_hosts_run_exactly_the_registered_jobs()
    {
        await using var worker = WorkerHost.Create(s_stripe);
        await using var server = await TestBackend.StartAsync(settings: s_stripe);
        foreach (var runner in new[] { worker.Services.GetRequiredService<JobRunner>(), server.Jobs })
        {
            Assert.Equal(JobRegistry.All.OrderBy(j => j.Name), runner.Jobs.Select(j => j.Definition).OrderBy(j => j.Name));
        }
    }

    [Fact]
    public void The_runner_refuses_a_job_the_registry_does_not_declare_or_one_registered_twice()
    {
        var time = new FakeTimeProvider();
        var stray = new CountingJob(time, new JobDefinition("vacuum", "0 0 * * * *", "hourly", "nothing declared"));
        var unknown = Assert.Throws<ArgumentException>(() => new JobRunner([stray], null!, time, NullLogger<JobRunner>.Instance));
        Assert.Contains("'vacuum' (CountingJob) is not declared in JobRegistry", unknown.Message, StringComparison.Ordinal);

        var rescheduled = new CountingJob(time, new JobDefinition(JobRegistry.RollupsName, "0 0 * * * *", "hourly", "a second schedule"));
        Assert.Throws<ArgumentException>(() => new JobRunner([rescheduled], null!, time, NullLogger<JobRunner>.Instance));

        var twice = Assert.Throws<ArgumentException>(() => new JobRunner([new CountingJob(time, JobRegistry.Rollups), new CountingJob(time, JobRegistry.Rollups)], null!, time, NullLogger<JobRunner>.Instance));
        Assert.Contains("registered twice", twice.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_deployment_docs_list_every_job_with_its_registered_schedule()
    {
        var page = File.ReadAllText(RepositoryPaths.Combine("docs", "deployment.md"));
        var jobs = JobRow().Matches(page).Select(m => (m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value.Trim())).ToList();
        Assert.Equal(JobRegistry.All.Select(j => (j.Name, j.Schedule, j.When)), jobs);
        var timers = TimerRow().Matches(page).Select(m => (m.Groups[1].Value, m.Groups[2].Value)).ToList();
        Assert.Equal(JobRegistry.All.Select(j => (j.Name, j.Schedule)), timers);

        var cli = File.ReadAllText(RepositoryPaths.Combine("docs", "cli.md"));
        Assert.All(JobRegistry.All, j => Assert.Contains($"`{j.Name}`", cli, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_scheduler_runs_each_job_at_its_schedule_occurrences_as_the_timers_would()
    {
        // 12:04:40 UTC, then 20 s steps to 12:16:00: every budget check at :00/:20/:40, compaction at 12:05:00, rollups
        // at 12:10:00, stripe-sync at 12:15:00, retention not at all (03:30).
        var start = new DateTimeOffset(2026, 11, 21, 12, 4, 40, TimeSpan.Zero);
        var time = new FakeTimeProvider(start);
        var jobs = JobRegistry.All.Select(d => new CountingJob(time, d)).ToList();
        var data = Path.Combine(Path.GetTempPath(), "lensai-scheduler-" + Guid.NewGuid().ToString("N"));
        var store = new LocalFolderStore(data, NullLogger<LocalFolderStore>.Instance);
        var runner = new JobRunner(jobs, store, time, NullLogger<JobRunner>.Instance);
        using var scheduler = new JobScheduler(runner, new BackendOptions(), time, NullLogger<JobScheduler>.Instance);
        await scheduler.StartAsync(CancellationToken.None);
        try
        {
            var end = new DateTimeOffset(2026, 11, 21, 12, 16, 0, TimeSpan.Zero);
            var expectedRuns = 0;
            while (time.GetUtcNow() < end)
            {
                await UntilAsync(() => time.ActiveTimers == jobs.Count && jobs.Sum(j => j.Runs.Count) == expectedRuns, "every job loop waiting for its next occurrence");
                time.Advance(TimeSpan.FromSeconds(20));
                expectedRuns += jobs.Count(j => j.Definition.NextAfter(time.GetUtcNow() - TimeSpan.FromSeconds(20)) <= time.GetUtcNow());
            }

            await UntilAsync(() => jobs.Sum(j => j.Runs.Count) == expectedRuns, "the last runs");
        }
        finally
        {
            await scheduler.StopAsync(CancellationToken.None);
            Directory.Delete(data, recursive: true);
        }

        foreach (var job in jobs)
        {
            var expected = new List<DateTimeOffset>();
            for (var at = job.Definition.NextAfter(start); at <= new DateTimeOffset(2026, 11, 21, 12, 16, 0, TimeSpan.Zero); at = job.Definition.NextAfter(at))
            {
                expected.Add(at);
            }

            Assert.Equal(expected, job.Runs.ToList());
        }

        Assert.Equal(34, jobs.Single(j => j.Definition == JobRegistry.BudgetCheck).Runs.Count);
        Assert.Equal([new DateTimeOffset(2026, 11, 21, 12, 5, 0, TimeSpan.Zero)], jobs.Single(j => j.Definition == JobRegistry.Compaction).Runs);
        Assert.Empty(jobs.Single(j => j.Definition == JobRegistry.Retention).Runs);
    }

    [Fact]
    public async Task The_scheduler_does_nothing_when_run_scheduler_is_false()
    {
        var time = new FakeTimeProvider();
        var job = new CountingJob(time, JobRegistry.BudgetCheck);
        var runner = new JobRunner([job], null!, time, NullLogger<JobRunner>.Instance);
        using var scheduler = new JobScheduler(runner, new BackendOptions { RunScheduler = false }, time, NullLogger<JobScheduler>.Instance);
        await scheduler.StartAsync(CancellationToken.None);
        await UntilAsync(() => scheduler.ExecuteTask is { IsCompletedSuccessfully: true }, "the scheduler to return at once");
        Assert.Equal(0, time.ActiveTimers);
        await scheduler.StopAsync(CancellationToken.None);
    }

    private static async Task UntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for {what}.");
            await Task.Delay(5);
        }
    }

    [GeneratedRegex(@"^\| `([a-z-]+)` \| `([^`]+)` \| ([^|]+) \| [^|]+ \|$", RegexOptions.Multiline)]
    private static partial Regex JobRow();

    [GeneratedRegex(@"^\| `([a-z-]+)` \| timer `([^`]+)`", RegexOptions.Multiline)]
    private static partial Regex TimerRow();

    /// <summary>A job that only records the (fake) time of each run.</summary>
    private sealed class CountingJob(TimeProvider time, JobDefinition definition) : IBackendJob
    {
        public JobDefinition Definition => definition;

        public ConcurrentQueue<DateTimeOffset> Runs { get; } = new();

        public Task<JobResult> RunAsync(CancellationToken cancellationToken)
        {
            Runs.Enqueue(time.GetUtcNow());
            return Task.FromResult(JobResult.Of("counted"));
        }
    }
}
