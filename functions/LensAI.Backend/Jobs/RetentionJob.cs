using LensAI.Backend.Ingest;
using LensAI.Backend.Storage;

namespace LensAI.Backend.Jobs;

/// <summary>
/// Deletes event partitions older than each project's retention, and rollups older than the (usually longer) rollup
/// retention. Deleting is idempotent, so a crashed run is simply completed by the next one.
/// </summary>
internal sealed class RetentionJob(IObjectStore store, Func<string, ProjectSettings> settings, TimeProvider time) : IBackendJob
{
    public JobDefinition Definition => JobRegistry.Retention;

    public async Task<JobResult> RunAsync(CancellationToken cancellationToken)
    {
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        var deleted = 0;
        var log = new List<string>();
        foreach (var (root, days) in new (string Root, Func<ProjectSettings, int> Days)[] { ("events/", s => s.RetentionDays), ("rollups/", s => s.RollupRetentionDays) })
        {
            var doomed = new List<string>();
            await foreach (var o in store.ListAsync(root, cancellationToken).ConfigureAwait(false))
            {
                var project = Segment(o.Key, "project=");
                var day = Parquet.EventStore.DayOf(o.Key);
                if (project is null || day is null)
                {
                    continue;
                }

                var keep = days(settings(project));
                if (keep > 0 && day.Value < today.AddDays(-keep))
                {
                    doomed.Add(o.Key);
                }
            }

            foreach (var key in doomed)
            {
                await store.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
            }

            deleted += doomed.Count;
            if (doomed.Count > 0)
            {
                log.Add($"{root}: {doomed.Count} object(s) past retention deleted");
            }
        }

        return new JobResult($"{deleted} object(s) deleted", log);
    }

    private static string? Segment(string key, string prefix)
    {
        foreach (var segment in key.Split('/'))
        {
            if (segment.StartsWith(prefix, StringComparison.Ordinal))
            {
                return segment[prefix.Length..];
            }
        }

        return null;
    }
}
