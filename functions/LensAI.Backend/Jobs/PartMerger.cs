using LensAI.Backend.Parquet;
using Microsoft.Extensions.Logging;

namespace LensAI.Backend.Jobs;

/// <summary>
/// Keeps the number of part files per (project, day) small under sustained ingest, without waiting for the hourly
/// compaction: size-tiered merging. Parts fall into tiers by size (below <see cref="EventWriterOptions.MergeBaseBytes"/>
/// is tier 0, each further ×<see cref="EventWriterOptions.MergeFactor"/> one tier up); whenever a tier holds
/// <c>MergeFactor</c> parts, they are merged into one (deduplicated, sorted — <see cref="CompactionJob.CompactAsync"/>),
/// which lands about one tier higher. A partition therefore holds fewer than <c>MergeFactor</c> parts per tier plus the
/// parts written since the last merge. The writer calls <see cref="PartWritten"/> after each upload; every
/// <see cref="EventWriterOptions.MergeAfterParts"/> parts of a partition it merges that partition in the background.
/// Safe with concurrent ingest and other instances: a merge takes a lease on the partition, only merges parts it
/// listed, uploads the merged file before deleting them (readers see the old parts, the new file, or both, and
/// always deduplicate by <c>event_id</c>), and a merge that loses a race simply fails and is retried later.
/// </summary>
internal sealed partial class PartMerger : IAsyncDisposable
{
    private readonly EventStore _events;
    private readonly CompactionJob _compactor;
    private readonly EventWriterOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Dictionary<(string Project, DateOnly Day), int> _written = [];
    private readonly HashSet<(string Project, DateOnly Day)> _running = [];
    private readonly List<Task> _tasks = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();

    public PartMerger(EventStore events, EventWriterOptions options, TimeProvider time, string workDirectory, ILogger<PartMerger> logger)
    {
        _events = events;
        _options = options;
        _time = time;
        _logger = logger;
        _compactor = new CompactionJob(events, time, workDirectory);
    }

    /// <summary>Counts a part the writer stored; every <see cref="EventWriterOptions.MergeAfterParts"/> of a partition starts a background merge of it.</summary>
    public void PartWritten(string project, DateOnly day)
    {
        if (_options.MergeAfterParts <= 0)
        {
            return;
        }

        var partition = (project, day);
        lock (_gate)
        {
            var count = _written.GetValueOrDefault(partition) + 1;
            if (count < _options.MergeAfterParts || _running.Contains(partition) || _stopping.IsCancellationRequested)
            {
                _written[partition] = count;
                return;
            }

            _written.Remove(partition);
            _running.Add(partition);
            _tasks.RemoveAll(t => t.IsCompleted);
            _tasks.Add(Task.Run(() => RunAsync(project, day)));
        }
    }

    private async Task RunAsync(string project, DateOnly day)
    {
        try
        {
            await MergeAsync(project, day, _stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Shutting down: the parts stay as they are; the next merge or compaction takes them.
        }
        catch (Exception ex)
        {
            LogMergeFailed(_logger, project, day, ex);
        }
        finally
        {
            lock (_gate)
            {
                _running.Remove((project, day));
            }
        }
    }

    /// <summary>
    /// Merges the partition's full tiers (lowest first) until no tier holds <see cref="EventWriterOptions.MergeFactor"/>
    /// parts; returns how many merges it made, or null when another merge (of this or another instance) holds the partition's lease.
    /// </summary>
    public async Task<int?> MergeAsync(string project, DateOnly day, CancellationToken cancellationToken)
    {
        var lease = await StorageLease.TryAcquireAsync(_events.Store, _time, $"merge-{project}-{day:yyyy-MM-dd}", "merge-" + Guid.NewGuid().ToString("N"), TimeSpan.FromMinutes(10), cancellationToken).ConfigureAwait(false);
        if (lease is null)
        {
            return null;
        }

        try
        {
            var merges = 0;
            while (await NextMergeAsync(project, day, cancellationToken).ConfigureAwait(false) is { } parts)
            {
                var (rows, duplicates) = await _compactor.CompactAsync(project, day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), parts, cancellationToken).ConfigureAwait(false);
                LogMerged(_logger, project, day, parts.Count, rows, duplicates);
                merges++;
            }

            return merges;
        }
        finally
        {
            await lease.ReleaseAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>The parts of the lowest tier holding at least <see cref="EventWriterOptions.MergeFactor"/> (oldest first, at most 64), or null.</summary>
    private async Task<IReadOnlyList<string>?> NextMergeAsync(string project, DateOnly day, CancellationToken cancellationToken)
    {
        var tiers = new SortedDictionary<int, List<string>>();
        await foreach (var o in _events.Store.ListAsync(EventSchema.PartitionPrefix(project, day), cancellationToken).ConfigureAwait(false))
        {
            if (!o.Key.EndsWith(".parquet", StringComparison.Ordinal) || o.Size > _options.MergeMaxBytes)
            {
                continue;
            }

            var tier = Tier(o.Size, _options.MergeBaseBytes, _options.MergeFactor);
            if (!tiers.TryGetValue(tier, out var list))
            {
                tiers[tier] = list = [];
            }

            list.Add(o.Key);
        }

        var full = tiers.Values.FirstOrDefault(parts => parts.Count >= Math.Max(2, _options.MergeFactor));
        return full?.Order(StringComparer.Ordinal).Take(64).ToList(); // part names are ULIDs: oldest first
    }

    /// <summary>0 below <paramref name="baseBytes"/>, then one tier per factor of size.</summary>
    internal static int Tier(long size, long baseBytes, int factor)
    {
        var tier = 0;
        for (var limit = baseBytes; size >= limit && tier < 32; limit *= Math.Max(2, factor))
        {
            tier++;
        }

        return tier;
    }

    public async ValueTask DisposeAsync()
    {
        Task[] running;
        lock (_gate)
        {
            _stopping.Cancel();
            running = [.. _tasks];
        }

        await Task.WhenAll(running).ConfigureAwait(false);
        _stopping.Dispose();
    }

    [LoggerMessage(1, LogLevel.Information, "Merged {Parts} part(s) of {Project}/{Day}: {Rows} rows, {Duplicates} duplicate(s) removed.")]
    private static partial void LogMerged(ILogger logger, string project, DateOnly day, int parts, long rows, long duplicates);

    [LoggerMessage(2, LogLevel.Warning, "Merging the parts of {Project}/{Day} failed; the next merge or the hourly compaction retries.")]
    private static partial void LogMergeFailed(ILogger logger, string project, DateOnly day, Exception exception);
}
