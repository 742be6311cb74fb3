using System.Globalization;
using LensAI.Backend.DuckDb;
using LensAI.Backend.Parquet;
using LensAI.Backend.Storage;

namespace LensAI.Backend.Jobs;

/// <summary>
/// Merges each (project, day) partition's part files into one sorted file with duplicates (by <c>event_id</c>)
/// removed. The new file is uploaded before any old part is deleted, so a reader sees the old parts, the new file,
/// or both (and reads deduplicate) — never neither. A crash between upload and delete leaves duplicates that the
/// next run removes. Hourly it compacts partitions with at least <see cref="MinParts"/> parts.
/// </summary>
internal sealed class CompactionJob(EventStore events, TimeProvider time, string workDirectory) : IBackendJob
{
    /// <summary>Partitions with fewer parts are left alone.</summary>
    public int MinParts { get; init; } = 2;

    public JobDefinition Definition => JobRegistry.Compaction;

    public async Task<JobResult> RunAsync(CancellationToken cancellationToken)
    {
        var partitions = new Dictionary<(string Project, string Day), List<string>>();
        await foreach (var o in events.Store.ListAsync("events/", cancellationToken).ConfigureAwait(false))
        {
            if (!o.Key.EndsWith(".parquet", StringComparison.Ordinal) || ParsePartition(o.Key) is not { } partition)
            {
                continue;
            }

            if (!partitions.TryGetValue(partition, out var list))
            {
                partitions[partition] = list = [];
            }

            list.Add(o.Key);
        }

        var log = new List<string>();
        var compacted = 0;
        foreach (var ((project, day), parts) in partitions.OrderBy(p => p.Key.Day).ThenBy(p => p.Key.Project))
        {
            if (parts.Count < MinParts)
            {
                continue;
            }

            var (rows, removed) = await CompactAsync(project, day, parts, cancellationToken).ConfigureAwait(false);
            compacted++;
            log.Add($"{project}/{day}: {parts.Count} parts → 1 ({rows} rows, {removed} duplicates removed)");
        }

        return new JobResult($"{compacted} partition(s) compacted", log);
    }

    internal async Task<(long Rows, long Duplicates)> CompactAsync(string project, string day, IReadOnlyList<string> parts, CancellationToken cancellationToken)
    {
        var paths = await events.LocalPathsAsync(parts, cancellationToken).ConfigureAwait(false);
        var output = Path.Combine(workDirectory, $"compact-{Guid.NewGuid():N}.parquet");
        Directory.CreateDirectory(workDirectory);
        try
        {
            long rows, total;
            using (var connection = events.DuckDb.Open())
            {
                total = connection.ScalarInt64("SELECT count(*) FROM read_parquet($files, union_by_name = true, hive_partitioning = false)", EventStore.Files(paths));
                rows = connection.Execute(
                    $"COPY (SELECT * FROM {EventStore.DedupedRelation(paths)} ORDER BY ts, event_id) TO $path (FORMAT PARQUET, COMPRESSION ZSTD, ROW_GROUP_SIZE 122880)",
                    EventStore.Files(paths),
                    ("path", output));
                var check = connection.ScalarInt64("SELECT count(*) FROM read_parquet($path)", ("path", output));
                if (check != rows)
                {
                    throw new InvalidOperationException($"Compacted file of {project}/{day} holds {check} rows, expected {rows}; nothing was replaced.");
                }
            }

            var key = $"events/project={project}/dt={day}/part-{EventIds.NewUlid(time.GetUtcNow())}.parquet";
            await events.Store.PutFileAsync(key, output, cancellationToken).ConfigureAwait(false);
            foreach (var old in parts)
            {
                await events.Store.DeleteAsync(old, cancellationToken).ConfigureAwait(false);
            }

            return (rows, total - rows);
        }
        finally
        {
            File.Delete(output);
        }
    }

    internal static (string Project, string Day)? ParsePartition(string key)
    {
        // events/project=<p>/dt=<yyyy-MM-dd>/part-….parquet
        var segments = key.Split('/');
        if (segments.Length != 4 || !segments[1].StartsWith("project=", StringComparison.Ordinal) || !segments[2].StartsWith("dt=", StringComparison.Ordinal))
        {
            return null;
        }

        var day = segments[2][3..];
        return DateOnly.TryParseExact(day, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _)
            ? (segments[1][8..], day)
            : null;
    }
}
