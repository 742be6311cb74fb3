using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using DuckDB.NET.Data;
using LensAI.Backend.DuckDb;
using LensAI.Backend.Ingest;
using LensAI.Backend.Storage;
using Microsoft.Extensions.Logging;

namespace LensAI.Backend.Parquet;

/// <summary>
/// Writes accepted events as ZSTD Parquet parts, <c>events/project=&lt;id&gt;/dt=&lt;yyyy-MM-dd&gt;/part-&lt;ULID&gt;.parquet</c>,
/// through DuckDB. Batches that arrive together are committed together (group commit): a part holds one or more
/// whole batches of one (project, day), is written to a local file first and uploaded whole, and each batch is
/// acknowledged only once every part holding its events is stored. A failure fails the batches in that part (503):
/// the SDK re-sends them; events that did land in another part are deduplicated by <c>event_id</c> when read.
/// </summary>
internal sealed partial class EventWriter : IAsyncDisposable
{
    private readonly IObjectStore _store;
    private readonly DuckDbConnectionFactory _duckDb;
    private readonly EventWriterOptions _options;
    private readonly TimeProvider _time;
    private readonly IngestMetrics _metrics;
    private readonly ILogger _logger;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = false });
    private readonly Task[] _loops;
    private readonly string _tempDirectory;

    private readonly Jobs.PartMerger? _merger;

    public EventWriter(IObjectStore store, DuckDbConnectionFactory duckDb, EventWriterOptions options, TimeProvider time, IngestMetrics metrics, ILogger<EventWriter> logger, Jobs.PartMerger? merger = null)
    {
        _merger = merger;
        _store = store;
        _duckDb = duckDb;
        _options = options;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _tempDirectory = options.TempDirectory ?? Path.Combine(Path.GetTempPath(), "lensai-parts-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(_tempDirectory);
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
        using var connection = _duckDb.Open();
        connection.Execute($"CREATE TEMP TABLE staging ({EventSchema.StagingColumns})");
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

            await WriteGroupAsync(connection, gathered).ConfigureAwait(false);
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

    private async Task WriteGroupAsync(DuckDBConnection connection, List<Pending> batches)
    {
        var groups = new Dictionary<(string Project, DateOnly Day), List<(Pending Batch, StoredEvent Event)>>();
        foreach (var batch in batches)
        {
            foreach (var e in batch.Events)
            {
                var key = (batch.Project, DateOnly.FromDateTime(e.Event.Timestamp.UtcDateTime));
                if (!groups.TryGetValue(key, out var list))
                {
                    groups[key] = list = [];
                }

                list.Add((batch, e));
            }
        }

        var failed = new Dictionary<Pending, Exception>();
        foreach (var ((project, day), rows) in groups)
        {
            try
            {
                await WritePartAsync(connection, project, day, rows).ConfigureAwait(false);
                _merger?.PartWritten(project, day);
            }
            catch (Exception ex)
            {
                LogPartFailed(_logger, project, day, rows.Count, ex);
                var error = ex as ObjectStoreException ?? new ObjectStoreException($"Writing a part of project {project} for {day:yyyy-MM-dd} failed: {ex.Message}", ex);
                foreach (var (batch, _) in rows)
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

    private async Task WritePartAsync(DuckDBConnection connection, string project, DateOnly day, List<(Pending Batch, StoredEvent Event)> rows)
    {
        var started = Stopwatch.GetTimestamp();
        connection.Execute("DELETE FROM staging");
        using (var appender = connection.CreateAppender("staging"))
        {
            foreach (var (_, stored) in rows)
            {
                AppendRow(appender, stored);
            }
        }

        var id = EventIds.NewUlid(_time.GetUtcNow());
        var local = Path.Combine(_tempDirectory, $"part-{id}.parquet");
        try
        {
            connection.Execute($"COPY (SELECT {EventSchema.SelectStored} FROM staging) TO $path (FORMAT PARQUET, COMPRESSION ZSTD)", ("path", local)); // compaction sorts
            var key = EventSchema.PartitionPrefix(project, day) + $"part-{id}.parquet";
            using var timeout = new CancellationTokenSource(_options.StorageTimeout, _time);
            try
            {
                await _store.PutFileAsync(key, local, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException ex) when (timeout.IsCancellationRequested)
            {
                throw new ObjectStoreException($"Uploading {key} timed out after {_options.StorageTimeout.TotalSeconds:0} s.", ex);
            }
        }
        finally
        {
            File.Delete(local);
        }

        _metrics.StorageLatency.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, new KeyValuePair<string, object?>("store", _store.Kind));
        _metrics.PartEvents.Record(rows.Count);
    }

    /// <summary>
    /// Writes one event into the staging table's columns (in <see cref="EventSchema.StagingColumns"/> order, that is
    /// <see cref="UsageEventFields.All"/>'s, then the backend's columns; a test writes every field of the table through
    /// here and reads it back). The cost is rounded to the column's 9 decimals half away from zero first — DuckDB's own
    /// rule for a cast — because the appender would otherwise cut the extra digits.
    /// </summary>
    internal static void AppendRow(DuckDBAppender appender, StoredEvent stored)
    {
        var e = stored.Event;
        appender.CreateRow()
            .AppendValue(e.EventId)
            .AppendValue(e.Timestamp)
            .AppendValue(stored.Project)
            .AppendValue(e.RequestId)
            .AppendValue(e.UserId)
            .AppendValue(e.Route)
            .AppendValue(e.Provider)
            .AppendValue(e.Model)
            .AppendValue(e.Operation)
            .AppendValue(e.Stream)
            .AppendValue(e.TokensIn)
            .AppendValue(e.TokensOut)
            .AppendValue(e.TokensCachedIn)
            .AppendValue(e.TokensCacheWrite)
            .AppendValue(e.TokensCacheWrite1h)
            .AppendValue(e.TokensReasoning)
            .AppendValue(e.TokensAudioIn)
            .AppendValue(e.TokensAudioCachedIn)
            .AppendValue(e.TokensAudioOut)
            .AppendValue(stored.CostUsd is { } cost ? decimal.Round(cost, 9, MidpointRounding.AwayFromZero) : null)
            .AppendValue(stored.PriceVersion)
            .AppendValue(e.ServiceTier)
            .AppendValue(e.UsageEstimated)
            .AppendValue(e.LatencyMs)
            .AppendValue(e.TtftMs)
            .AppendValue(e.Status.ToWireName())
            .AppendValue(e.HttpStatus)
            .AppendValue(e.Metadata is { Count: > 0 } m ? JsonSerializer.Serialize(m, LensAIJsonContext.Default.IReadOnlyDictionaryStringString) : null)
            .AppendValue(e.Sdk)
            .AppendValue(stored.CostSource)
            .AppendValue(stored.IngestedAt)
            .EndRow();
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
