using System.Text.Json;
using LensAI.Backend.Jobs;
using LensAI.Backend.Storage;
using LensAI.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace LensAI.Backend.Tests.Jobs;

/// <summary>
/// The job runner's lease on a fake clock, over a real local store: renewed while a long job runs, taken over once a
/// holder that stopped renewing (killed) lets it expire, and a run whose lease was taken is cancelled.
/// </summary>
public sealed class JobLeaseTests : IDisposable
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private readonly TempFolder _folder = new("lensai-job-lease");
    private readonly FakeTimeProvider _time = new();
    private readonly LocalFolderStore _store;

    public JobLeaseTests() => _store = new LocalFolderStore(_folder.Path);

    [Fact]
    public async Task A_job_that_runs_longer_than_its_lease_keeps_it_by_renewing()
    {
        var slow = new GatedJob();
        var running = Runner(slow).RunAsync(JobRegistry.CompactionName, CancellationToken.None, owner: "instance-a");
        await Eventually.TrueAsync(() => slow.Started.IsCompleted && _time.ActiveTimers == 1, because: "the job running and its renewal timer armed");
        for (var i = 0; i < 6; i++) // 60 s: twice the lease
        {
            _time.Advance(Lease / 3);
            await UntilAsync(async () => _time.ActiveTimers == 1 && (await LeaseAsync()).Expires == _time.GetUtcNow() + Lease, "the lease renewed and the next renewal armed");
        }

        var other = new GatedJob();
        Assert.Null(await Runner(other).RunAsync(JobRegistry.CompactionName, CancellationToken.None, owner: "instance-b"));
        Assert.False(other.Started.IsCompleted);

        slow.Finish();
        Assert.NotNull(await running);
        other.Finish();
        Assert.NotNull(await Runner(other).RunAsync(JobRegistry.CompactionName, CancellationToken.None, owner: "instance-b")); // released at the end
    }

    [Fact]
    public async Task The_lease_of_a_killed_holder_expires_and_another_instance_takes_the_job_over()
    {
        // What kill -9 leaves behind: the holder's lease, never renewed nor released.
        Assert.NotNull(await StorageLease.TryAcquireAsync(_store, _time, "job-" + JobRegistry.CompactionName, "killed-instance", Lease, CancellationToken.None));
        var job = new GatedJob();
        job.Finish();
        var runner = Runner(job);
        Assert.Null(await runner.RunAsync(JobRegistry.CompactionName, CancellationToken.None, owner: "survivor"));
        _time.Advance(Lease - TimeSpan.FromSeconds(1));
        Assert.Null(await runner.RunAsync(JobRegistry.CompactionName, CancellationToken.None, owner: "survivor"));
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.NotNull(await runner.RunAsync(JobRegistry.CompactionName, CancellationToken.None, owner: "survivor"));
    }

    [Fact]
    public async Task A_run_whose_lease_was_taken_by_another_instance_is_cancelled()
    {
        var job = new GatedJob();
        var running = Runner(job).RunAsync(JobRegistry.CompactionName, CancellationToken.None, owner: "instance-a");
        await Eventually.TrueAsync(() => job.Started.IsCompleted && _time.ActiveTimers == 1, because: "the job running and its renewal timer armed");

        // Another instance wrote the lease (as after an expiry the holder missed): the next renewal finds it changed.
        await _store.PutAsync(LeaseKey, JsonSerializer.SerializeToUtf8Bytes(new LeaseRecord("instance-b", _time.GetUtcNow() + Lease), JobsJsonContext.Default.LeaseRecord), CancellationToken.None);
        _time.Advance(Lease / 3);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        Assert.True(job.Cancelled);
        Assert.Equal("instance-b", (await LeaseAsync()).Owner); // its release did not clobber the new holder's lease
    }

    public void Dispose() => _folder.Dispose();

    private static string LeaseKey => $"_system/leases/job-{JobRegistry.CompactionName}.json";

    private JobRunner Runner(IBackendJob job) => new([job], _store, _time, NullLogger<JobRunner>.Instance) { LeaseDuration = Lease };

    private async Task<LeaseRecord> LeaseAsync()
        => JsonSerializer.Deserialize((await _store.GetAsync(LeaseKey, CancellationToken.None))!.Content, JobsJsonContext.Default.LeaseRecord)!;

    private static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "Not reached in time: " + what);
            await Task.Delay(10);
        }
    }

    /// <summary>The compaction job's definition, running until the test lets it finish (or its run is cancelled).</summary>
    private sealed class GatedJob : IBackendJob
    {
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _finish = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public JobDefinition Definition => JobRegistry.Compaction;

        public Task Started => _started.Task;

        public bool Cancelled { get; private set; }

        public void Finish() => _finish.TrySetResult();

        public async Task<JobResult> RunAsync(CancellationToken cancellationToken)
        {
            _started.TrySetResult();
            try
            {
                await _finish.Task.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                Cancelled = true;
                throw;
            }

            return JobResult.Of("done");
        }
    }
}
