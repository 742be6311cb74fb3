using System.Collections.Concurrent;
using System.Text.Json;
using LensAI.Backend.Budgets;
using LensAI.Backend.DuckDb;
using LensAI.Backend.Ingest;
using LensAI.Backend.Parquet;
using LensAI.Backend.Storage;
using LensAI.Budgets;
using LensAI.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace LensAI.Backend.Tests.Budgets;

/// <summary>
/// The budget check (<see cref="BudgetCheckJob"/>) on real parts in a local folder, on a fake clock: it writes the
/// state and the kill-switch document only when they change, yet a block starts (and ends) in the very check that
/// sees it, and alerts fire once per threshold per period across checks with nothing new and a restart.
/// </summary>
public sealed class BudgetCheckJobTests : IAsyncDisposable
{
    private readonly TempFolder _folder = new("lensai-check");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero));
    private readonly DuckDbConnectionFactory _duckDb = new();
    private readonly IngestMetrics _metrics = new();
    private readonly CountingStore _store;
    private readonly EventStore _events;
    private readonly EventWriter _writer;
    private readonly BudgetStore _budgets;
    private readonly RecordingDispatcher _alerts = new();

    public BudgetCheckJobTests()
    {
        _store = new CountingStore(new LocalFolderStore(_folder.Combine("store")));
        _events = new EventStore(_store, _duckDb, _folder.Combine("cache"));
        _writer = new EventWriter(_store, _duckDb, new EventWriterOptions { FlushWindow = TimeSpan.Zero, MergeAfterParts = 0, TempDirectory = _folder.Combine("tmp") }, _time, _metrics, NullLogger<EventWriter>.Instance);
        _budgets = new BudgetStore(_store, _time);
    }

    [Fact]
    public async Task State_and_kill_switch_are_written_only_when_they_change_and_a_block_flips_in_the_check_that_sees_it()
    {
        var file = new BudgetFile
        {
            Budgets =
            [
                new BudgetDefinition { Id = "cap", Scope = BudgetScopeNames.Project, Period = "monthly", AmountUsd = 5m, Action = "block", Forecast = false },
                new BudgetDefinition { Id = "alice", Scope = BudgetScopeNames.User, ScopeValue = "alice", Period = "daily", AmountUsd = 100m, Forecast = false },
            ],
        };
        await _budgets.SetBudgetsAsync("acme", file, "test", CancellationToken.None);
        var job = Job();
        var day = new DateTimeOffset(2026, 11, 21, 0, 0, 0, TimeSpan.Zero);

        // $1 of $5: the first check writes both documents; no threshold is crossed.
        await StoreAsync(Event(day.AddHours(11), 1m, "alice"));
        await job.CheckProjectAsync("acme", CancellationToken.None);
        var first = await StatusAsync();
        Assert.Equal(1m, first.Document.Budgets.Single(b => b.BudgetId == "cap").SpentUsd);
        Assert.Equal((1, 1), Writes());

        // Nothing new, now or 30 s later: nothing is written, the document keeps its time and ETag.
        _store.ResetCounts();
        await job.CheckProjectAsync("acme", CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(30));
        await job.CheckProjectAsync("acme", CancellationToken.None);
        Assert.Equal((0, 0), Writes());
        Assert.Equal(first.ETag, (await StatusAsync()).ETag);

        // $3.50: the 50 % threshold fires once; the figures change, so the document is written.
        await StoreAsync(Event(day.AddHours(11.5), 2.5m, "bob"));
        await job.CheckProjectAsync("acme", CancellationToken.None);
        Assert.Equal(["cap:threshold50"], _alerts.Sent);
        Assert.Equal(3.5m, (await StatusAsync()).Document.Budgets.Single(b => b.BudgetId == "cap").SpentUsd);

        // $5.50: blocked in this same check; the 100 % alert fires once.
        await StoreAsync(Event(day.AddHours(11.6), 2m, "bob"));
        await job.CheckProjectAsync("acme", CancellationToken.None);
        var blocked = await StatusAsync();
        Assert.True(blocked.Document.Budgets.Single(b => b.BudgetId == "cap").Blocked);
        Assert.Equal(["cap:threshold50", "cap:threshold100"], _alerts.Sent);

        // Checks with nothing new, and a restarted instance: no alert again, and nothing is rewritten.
        await job.CheckProjectAsync("acme", CancellationToken.None);
        _store.ResetCounts();
        await job.CheckProjectAsync("acme", CancellationToken.None);
        await Job().CheckProjectAsync("acme", CancellationToken.None);
        Assert.Equal((0, 0), Writes());
        Assert.Equal(blocked.ETag, (await StatusAsync()).ETag);
        Assert.Equal(["cap:threshold50", "cap:threshold100"], _alerts.Sent);

        // A new month with nothing new stored: the period's end is a change in itself; the block ends.
        _time.Advance(new DateTimeOffset(2026, 12, 1, 0, 1, 0, TimeSpan.Zero) - _time.GetUtcNow());
        await job.CheckProjectAsync("acme", CancellationToken.None);
        var next = (await StatusAsync()).Document.Budgets.Single(b => b.BudgetId == "cap");
        Assert.False(next.Blocked);
        Assert.Equal(0m, next.SpentUsd);
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), next.PeriodStart);
    }

    [Fact]
    public async Task An_override_that_expires_blocks_again_without_new_spend()
    {
        var file = new BudgetFile { Budgets = [new BudgetDefinition { Id = "cap", Scope = BudgetScopeNames.Project, Period = "monthly", AmountUsd = 1m, Action = "block", Forecast = false, OverrideWindow = TimeSpan.FromHours(1) }] };
        await _budgets.SetBudgetsAsync("acme", file, "test", CancellationToken.None);
        var job = Job();
        await StoreAsync(Event(new DateTimeOffset(2026, 11, 21, 11, 0, 0, TimeSpan.Zero), 2m, "alice"));
        await job.CheckProjectAsync("acme", CancellationToken.None);
        Assert.True(await IsBlockedAsync());

        await new BudgetActions(_budgets, job, _time).OverrideAsync("acme", "cap", null, "test", CancellationToken.None);
        Assert.False(await IsBlockedAsync());
        _time.Advance(TimeSpan.FromMinutes(59));
        await job.CheckProjectAsync("acme", CancellationToken.None);
        Assert.False(await IsBlockedAsync());

        _time.Advance(TimeSpan.FromSeconds(61)); // 13:00:01, just past the override's end, with the same spend and state
        await job.CheckProjectAsync("acme", CancellationToken.None);
        Assert.True(await IsBlockedAsync());
    }

    [Fact]
    public void The_status_documents_time_is_read_without_its_budgets()
    {
        var at = new DateTimeOffset(2026, 11, 21, 12, 0, 0, 123, TimeSpan.Zero);
        var json = JsonSerializer.SerializeToUtf8Bytes(new BudgetStatusDocument { ProjectId = "acme", GeneratedAt = at, Budgets = [] }, BudgetStatusJsonContext.Default.BudgetStatusDocument);
        Assert.Equal(at, BudgetStore.GeneratedAtOf(json));
        Assert.Null(BudgetStore.GeneratedAtOf("""{"project_id":"acme","budgets":[]}"""u8));
        Assert.Null(BudgetStore.GeneratedAtOf("""{"project_id": {"x": [1, 2]}, "generated_at": 5}"""u8));
        Assert.Null(BudgetStore.GeneratedAtOf("not json"u8));
    }

    private BudgetCheckJob Job() => new(_budgets, _events, _alerts, _time, NullLogger<BudgetCheckJob>.Instance);

    private (int State, int Status) Writes() => (_store.Writes(BudgetStore.StateKey("acme")), _store.Writes(BudgetStore.StatusKey("acme")));

    private async Task<(BudgetStatusDocument Document, string ETag)> StatusAsync()
    {
        var stored = await _budgets.GetStatusAsync("acme", CancellationToken.None);
        return (JsonSerializer.Deserialize(stored!.Content, BudgetStatusJsonContext.Default.BudgetStatusDocument)!, stored.ETag);
    }

    private async Task<bool> IsBlockedAsync() => (await StatusAsync()).Document.Budgets.Any(b => b.Blocked);

    private static UsageEvent Event(DateTimeOffset ts, decimal cost, string user) => Batches.Event(ts: ts, userId: user) with { CostUsd = cost };

    private Task StoreAsync(params UsageEvent[] batch)
        => _writer.WriteAsync("acme", batch.Select(e => new StoredEvent(e, "acme", e.CostUsd, null, "sdk", _time.GetUtcNow())).ToList(), CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        await _writer.DisposeAsync();
        _duckDb.Dispose();
        _metrics.Dispose();
        _folder.Dispose();
    }

    private sealed class RecordingDispatcher : IAlertDispatcher
    {
        public IReadOnlyList<string> Channels { get; } = ["test"];

        public List<string> Sent { get; } = [];

        public Task<AlertDispatch> DispatchAsync(BudgetAlertData alert, string channel, CancellationToken cancellationToken)
        {
            lock (Sent)
            {
                Sent.Add($"{alert.BudgetId}:{alert.Kind}{alert.ThresholdPercent}");
            }

            return Task.FromResult(new AlertDispatch(AlertDispatchOutcome.Delivered));
        }
    }

    /// <summary>A local store that counts the writes of each key.</summary>
    private sealed class CountingStore(IObjectStore inner) : IObjectStore
    {
        private readonly ConcurrentDictionary<string, int> _writes = new(StringComparer.Ordinal);

        public string Kind => inner.Kind;

        public int Writes(string key) => _writes.GetValueOrDefault(key);

        public void ResetCounts() => _writes.Clear();

        public IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, CancellationToken cancellationToken) => inner.ListAsync(prefix, cancellationToken);

        public Task PutFileAsync(string key, string localPath, CancellationToken cancellationToken) => Count(key, inner.PutFileAsync(key, localPath, cancellationToken));

        public Task PutAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) => Count(key, inner.PutAsync(key, content, cancellationToken));

        public Task<string?> PutConditionalAsync(string key, ReadOnlyMemory<byte> content, string? ifMatchETag, CancellationToken cancellationToken)
            => Count(key, inner.PutConditionalAsync(key, content, ifMatchETag, cancellationToken));

        public Task<StoredObject?> GetAsync(string key, CancellationToken cancellationToken) => inner.GetAsync(key, cancellationToken);

        public Task<bool> DownloadToFileAsync(string key, string localPath, CancellationToken cancellationToken) => inner.DownloadToFileAsync(key, localPath, cancellationToken);

        public Task DeleteAsync(string key, CancellationToken cancellationToken) => inner.DeleteAsync(key, cancellationToken);

        private T Count<T>(string key, T write)
        {
            _writes.AddOrUpdate(key, 1, (_, n) => n + 1);
            return write;
        }
    }
}
