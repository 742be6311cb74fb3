using System.Diagnostics;
using System.Threading.Channels;
using LensAI.Backend.Ingest;
using LensAI.Backend.Storage;
using Microsoft.Extensions.Logging;

namespace LensAI.Backend.Parquet;

/// <summary>Options of the Parquet writer.</summary>
public sealed class EventWriterOptions
{
    /// <summary>How long the writer gathers concurrent batches into one part file (group commit). Default 5 ms.</summary>
    public TimeSpan FlushWindow { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>Most events per part file. Default 100,000.</summary>
    public int MaxEventsPerPart { get; set; } = 100_000;

    /// <summary>Parts written at once. Default 2.</summary>
    public int Concurrency { get; set; } = 2;

    /// <summary>Longest a part upload may take before the batches in it fail with 503. Default 30 s.</summary>
    public TimeSpan StorageTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Writes accepted events as ZSTD Parquet parts, <c>events/project=&lt;id&gt;/dt=&lt;yyyy-MM-dd&gt;/part-&lt;ULID&gt;.parquet</c>,
/// with the managed <see cref="PartFile"/> writer (no DuckDB on the ingest path). Batches that arrive together are
/// committed together (group commit): a part holds one or more whole batches of one (project, day), is written in
/// memory and uploaded whole, and each batch is
/// acknowledged only once every part holding its events is stored. A failure fails the batches in that part (503):
/// the SDK re-sends them; events that did land in another part are deduplicated by <c>event_id</c> when read.
/// </summary>
public sealed partial class EventWriter : IAsyncDisposable
{
    private readonly IObjectStore _store;
    private readonly EventWriterOptions _options;
    private readonly TimeProvider _time;
    private readonly IngestMetrics _metrics;
    private readonly ILogger _logger;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = false });
    private readonly Task[] _loops;

    public EventWriter(IObjectStore store, EventWriterOptions options, TimeProvider time, IngestMetrics metrics, ILogger<EventWriter> logger)
    {
        _store = store;
        _options = options;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _loops = Enumerable.Range(0, Math.Max(1, options.Concurrency)).Select(_ => Task.Run(LoopAsync)).ToArray();
    }

    /// <summary>Stores <paramref name="events"/> of one project; completes when they are durable in object storage.</summary>
    public Task WriteAsync(string project, IReadOnlyList<StoredEvent> events, CancellationToken cancellationToken)
    {
        var pending = new Pending(project, events);
        ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite(pending), this);

        return pending.Done.Task.WaitAsync(cancellationToken);
    }

    private async Task LoopAsync()
    {
        var reader = _queue.Reader;
        var gathered = new List<Pending>();
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            gathered.Clear();
            var count = Gather(reader, gathered);
            if (count == 0)
            {
                continue;
            }

            if (count < _options.MaxEventsPerPart && _options.FlushWindow > TimeSpan.Zero)
            {
                // A few real milliseconds for concurrent batches to join the part (not business time: never the fake clock).
                await Task.Delay(_options.FlushWindow, TimeProvider.System).ConfigureAwait(false);
                count += Gather(reader, gathered, count);
            }

            await WriteGroupAsync(gathered).ConfigureAwait(false);
        }
    }

    private int Gather(ChannelReader<Pending> reader, List<Pending> into, int already = 0)
    {
        var count = 0;
        while (already + count < _options.MaxEventsPerPart && reader.TryRead(out var pending))
        {
            into.Add(pending);
            count += pending.Events.Count;
        }

        return count;
    }

    private async Task WriteGroupAsync(List<Pending> batches)
    {
        var groups = new Dictionary<(string Project, DateOnly Day), (HashSet<Pending> Batches, List<StoredEvent> Rows)>();
        foreach (var batch in batches)
        {
            foreach (var e in batch.Events)
            {
                var key = (batch.Project, DateOnly.FromDateTime(e.Event.Timestamp.UtcDateTime));
                if (!groups.TryGetValue(key, out var group))
                {
                    groups[key] = group = ([], []);
                }

                group.Batches.Add(batch);
                group.Rows.Add(e);
            }
        }

        var failed = new Dictionary<Pending, Exception>();
        foreach (var ((project, day), (inPart, rows)) in groups)
        {
            try
            {
                await WritePartAsync(project, day, rows).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                LogPartFailed(_logger, project, day, rows.Count, ex);
                var error = ex as ObjectStoreException ?? new ObjectStoreException($"Writing a part of project {project} for {day:yyyy-MM-dd} failed: {ex.Message}", ex);
                foreach (var batch in inPart)
                {
                    failed.TryAdd(batch, error);
                }
            }
        }

        foreach (var batch in batches)
        {
            if (failed.TryGetValue(batch, out var ex))
            {
                batch.Done.TrySetException(ex);
            }
            else
            {
                batch.Done.TrySetResult();
            }
        }
    }

    private async Task WritePartAsync(string project, DateOnly day, List<StoredEvent> rows)
    {
        var started = Stopwatch.GetTimestamp();
        using var part = new MemoryStream();
        await PartFile.WriteAsync(rows, part, CancellationToken.None).ConfigureAwait(false);
        var key = EventSchema.PartitionPrefix(project, day) + $"part-{EventIds.NewUlid(_time.GetUtcNow())}.parquet"; // compaction sorts
        using var timeout = new CancellationTokenSource(_options.StorageTimeout, _time);
        try
        {
            await _store.PutAsync(key, part.GetBuffer().AsMemory(0, (int)part.Length), timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (timeout.IsCancellationRequested)
        {
            throw new ObjectStoreException($"Uploading {key} timed out after {_options.StorageTimeout.TotalSeconds:0} s.", ex);
        }

        _metrics.StorageLatency.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, new KeyValuePair<string, object?>("store", _store.Kind));
        _metrics.PartEvents.Record(rows.Count);
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await Task.WhenAll(_loops).ConfigureAwait(false);
    }

    [LoggerMessage(1, LogLevel.Error, "Writing {Count} event(s) of project {Project} for {Day} failed; their batches answer 503 and will be re-sent.")]
    private static partial void LogPartFailed(ILogger logger, string project, DateOnly day, int count, Exception exception);

    private sealed class Pending(string project, IReadOnlyList<StoredEvent> events)
    {
        public string Project { get; } = project;

        public IReadOnlyList<StoredEvent> Events { get; } = events;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
