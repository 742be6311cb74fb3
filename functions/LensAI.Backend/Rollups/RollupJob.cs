using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LensAI.Backend.DuckDb;
using LensAI.Backend.Jobs;
using LensAI.Backend.Parquet;
using LensAI.Backend.Storage;

namespace LensAI.Backend.Rollups;

/// <summary>
/// Recomputes the hourly rollup of every (project, day) whose event parts changed since its last rollup, from the
/// deduplicated events, and records which parts it covered. Each rollup file is replaced whole; re-running it
/// produces the same file. Readers (<see cref="RollupReader"/>) use a day's rollup only while it still covers
/// exactly the day's current parts, and roll the raw events up on the fly otherwise.
/// </summary>
internal sealed class RollupJob(EventStore events, string workDirectory) : IBackendJob
{
    public JobDefinition Definition => JobRegistry.Rollups;

    public async Task<JobResult> RunAsync(CancellationToken cancellationToken)
    {
        var partitions = await PartitionsAsync(events.Store, cancellationToken).ConfigureAwait(false);
        var log = new List<string>();
        foreach (var ((project, day), parts) in partitions)
        {
            var signature = Signature(parts);
            var current = await ReadSignatureAsync(events.Store, project, day, cancellationToken).ConfigureAwait(false);
            if (current == signature)
            {
                continue;
            }

            var rows = await RollUpAsync(project, day, parts, signature, cancellationToken).ConfigureAwait(false);
            log.Add($"{project}/{day}: {rows} rollup rows from {parts.Count} part(s)");
        }

        return new JobResult($"{log.Count} day(s) rolled up", log);
    }

    internal async Task<long> RollUpAsync(string project, string day, IReadOnlyList<string> parts, string signature, CancellationToken cancellationToken)
    {
        var paths = await events.LocalPathsAsync(parts, cancellationToken).ConfigureAwait(false);
        Directory.CreateDirectory(workDirectory);
        var output = Path.Combine(workDirectory, $"rollup-{Guid.NewGuid():N}.parquet");
        try
        {
            long rows;
            using (var connection = events.DuckDb.Open())
            {
                rows = connection.Execute(
                    $"COPY ({RollupSchema.RollupSelect(EventStore.DedupedRelation(paths))} ORDER BY grain, dimension, key, bucket) TO $path (FORMAT PARQUET, COMPRESSION ZSTD)",
                    EventStore.Files(paths),
                    ("path", output));
            }

            await events.Store.PutFileAsync(RollupSchema.Key(project, day), output, cancellationToken).ConfigureAwait(false);
            await events.Store.PutAsync(SignatureKey(project, day), Encoding.UTF8.GetBytes(signature), cancellationToken).ConfigureAwait(false);
            return rows;
        }
        finally
        {
            File.Delete(output);
        }
    }

    internal static async Task<SortedDictionary<(string Project, string Day), List<string>>> PartitionsAsync(IObjectStore store, CancellationToken cancellationToken)
    {
        var partitions = new SortedDictionary<(string, string), List<string>>();
        await foreach (var o in store.ListAsync("events/", cancellationToken).ConfigureAwait(false))
        {
            if (!o.Key.EndsWith(".parquet", StringComparison.Ordinal) || CompactionJob.ParsePartition(o.Key) is not { } partition)
            {
                continue;
            }

            if (!partitions.TryGetValue(partition, out var list))
            {
                partitions[partition] = list = [];
            }

            list.Add(o.Key);
        }

        return partitions;
    }

    /// <summary>
    /// Identifies a set of parts (their sorted keys) rolled up with the current <see cref="RollupSchema.Version"/>:
    /// parts are immutable, so equal keys mean equal data.
    /// </summary>
    internal static string Signature(IEnumerable<string> parts)
        => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            $"rollup-version={RollupSchema.Version}\n" + string.Join('\n', parts.Order(StringComparer.Ordinal)))));

    internal static string SignatureKey(string project, string day) => $"rollups/project={project}/dt={day}/_covers.sha256";

    internal static async Task<string?> ReadSignatureAsync(IObjectStore store, string project, string day, CancellationToken cancellationToken)
    {
        var stored = await store.GetAsync(SignatureKey(project, day), cancellationToken).ConfigureAwait(false);
        return stored is null ? null : Encoding.UTF8.GetString(stored.Content).Trim();
    }
}
