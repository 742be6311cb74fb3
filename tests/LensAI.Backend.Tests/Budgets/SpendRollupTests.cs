using System.Runtime.CompilerServices;
using System.Text.Json;
using LensAI.Backend.Budgets;
using LensAI.Backend.DuckDb;
using LensAI.Backend.Ingest;
using LensAI.Backend.Jobs;
using LensAI.Backend.Parquet;
using LensAI.Backend.Rollups;
using LensAI.Backend.Storage;
using LensAI.Budgets;
using LensAI.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace LensAI.Backend.Tests.Budgets;

/// <summary>
/// The budget check's spend rollup (<see cref="SpendRollup"/>) on real parts in a local folder, written by the real
/// writer on a fake clock: every expected total is summed by hand from the events the test stores.
/// </summary>
public sealed class SpendRollupTests : IAsyncDisposable
{
    private static readonly TimeSpan s_settle = TimeSpan.FromMinutes(1);

    private readonly TempFolder _folder = new("lensai-spend");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero));
    private readonly DuckDbConnectionFactory _duckDb = new();
    private readonly IngestMetrics _metrics = new();
    private readonly GatedStore _store;
    private readonly EventStore _events;
    private readonly EventWriter _writer;

    public SpendRollupTests()
    {
        _store = new GatedStore(new LocalFolderStore(_folder.Combine("store")));
        _events = new EventStore(_store, _duckDb, _folder.Combine("cache"));
        _writer = new EventWriter(_store, _duckDb, new EventWriterOptions { FlushWindow = TimeSpan.Zero, MergeAfterParts = 0, TempDirectory = _folder.Combine("tmp") }, _time, _metrics, NullLogger<EventWriter>.Instance);
    }

    private static BudgetFile Budgets(params BudgetDefinition[] budgets) => new() { TimeZone = "UTC", Budgets = [.. budgets] };

    private static BudgetDefinition Budget(string id, string scope, string? value, string period, decimal amount, string action = "alert")
        => new() { Id = id, Scope = scope, ScopeValue = value, Period = period, AmountUsd = amount, Action = action, Forecast = false };

    [Fact]
    public async Task Totals_stay_exact_across_merges_late_data_resends_restarts_and_a_new_day()
    {
        var file = Budgets(
            Budget("month", BudgetScopeNames.Project, null, "monthly", 100m),
            Budget("day", BudgetScopeNames.Project, null, "daily", 100m),
            Budget("alice", BudgetScopeNames.User, "alice", "daily", 100m),
            Budget("team", BudgetScopeNames.Metadata, "team=red", "monthly", 100m));
        var spend = new SpendRollup(_events) { SettleTime = s_settle };
        var day = new DateTimeOffset(2026, 11, 21, 0, 0, 0, TimeSpan.Zero);

        // 12:00 — three events today (alice 1.25, bob 2.50, alice/red 0.125) and one from yesterday (same month: 4.00).
        var first = Event(day.AddHours(11.5), 1.25m, "alice");
        await StoreAsync("acme", first, Event(day.AddHours(11.6), 2.50m, "bob"), Event(day.AddHours(11.7), 0.125m, "alice", team: "red"), Event(day.AddHours(-2), 4m, "carol"));
        await AssertSpendAsync(spend, file, monthly: 7.875m, daily: 3.875m, alice: 1.375m, red: 0.125m);

        // 12:05 — the first batch settles into the stored rollup; more arrive, in several parts.
        _time.Advance(TimeSpan.FromMinutes(5));
        await StoreAsync("acme", Event(day.AddHours(12), 0.5m, "alice"));
        await StoreAsync("acme", Event(day.AddHours(12), 0.25m, "bob", team: "red"));
        await AssertSpendAsync(spend, file, monthly: 8.625m, daily: 4.625m, alice: 1.875m, red: 0.375m);
        Assert.NotNull((await StoredRollupAsync("acme")).Watermark);

        // 12:10 — compaction merges today's parts into one (a new part name holding events counted long ago).
        _time.Advance(TimeSpan.FromMinutes(5));
        var todayParts = (await _events.ListPartsAsync("acme", DateOnly.FromDateTime(day.UtcDateTime), DateOnly.FromDateTime(day.UtcDateTime), CancellationToken.None)).ToList();
        Assert.Equal(3, todayParts.Count);
        await new CompactionJob(_events, _time, _folder.Combine("compact")).CompactAsync("acme", "2026-11-21", todayParts, CancellationToken.None);
        await AssertSpendAsync(spend, file, monthly: 8.625m, daily: 4.625m, alice: 1.875m, red: 0.375m);

        // 12:15 — late data (ts 03:00, an hour counted long ago) and a re-send of the very first event: the late one counts, the re-send not.
        _time.Advance(TimeSpan.FromMinutes(5));
        await StoreAsync("acme", Event(day.AddHours(3), 0.75m, "alice"), first);
        await AssertSpendAsync(spend, file, monthly: 9.375m, daily: 5.375m, alice: 2.625m, red: 0.375m);
        _time.Advance(TimeSpan.FromMinutes(5)); // …and once both have settled into the stored rollup
        await AssertSpendAsync(spend, file, monthly: 9.375m, daily: 5.375m, alice: 2.625m, red: 0.375m);

        // A restart: a new reader over the same store starts from the stored rollup and its watermark.
        var restarted = new SpendRollup(_events) { SettleTime = s_settle };
        await AssertSpendAsync(restarted, file, monthly: 9.375m, daily: 5.375m, alice: 2.625m, red: 0.375m);

        // The next day: the daily windows start empty (an event at 23:59:59 stays in its day), the monthly one goes on.
        _time.Advance(TimeSpan.FromHours(11.5)); // 23:50
        await StoreAsync("acme", Event(day.AddDays(1).AddSeconds(-1), 1m, "alice"));
        await AssertSpendAsync(restarted, file, monthly: 10.375m, daily: 6.375m, alice: 3.625m, red: 0.375m);
        _time.Advance(TimeSpan.FromMinutes(20)); // 00:10 the next day
        await StoreAsync("acme", Event(day.AddDays(1).AddMinutes(5), 2m, "alice"));
        await AssertSpendAsync(restarted, file, monthly: 12.375m, daily: 2m, alice: 2m, red: 0.375m);
    }

    [Fact]
    public async Task Estimated_calls_are_counted_before_and_after_they_settle_into_the_stored_rollup()
    {
        var day = new DateTimeOffset(2026, 11, 21, 0, 0, 0, TimeSpan.Zero);
        var file = Budgets(Budget("day", BudgetScopeNames.Project, null, "daily", 10m), Budget("red", BudgetScopeNames.Metadata, "team=red", "daily", 10m));
        var spend = new SpendRollup(_events) { SettleTime = s_settle };

        // Two estimated calls (0.5 + 0.25, one of team red) and one measured (1.00).
        await StoreAsync(
            "acme",
            Event(day.AddHours(9), 0.5m, "alice") with { UsageEstimated = true },
            Event(day.AddHours(10), 0.25m, "bob", team: "red") with { UsageEstimated = true },
            Event(day.AddHours(11), 1m, "bob"));
        foreach (var wait in new[] { TimeSpan.Zero, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5) })
        {
            _time.Advance(wait); // fresh, then settled into the stored rollup, then read back from it alone
            var daily = (await spend.SpendAsync("acme", file, _time.GetUtcNow(), CancellationToken.None))["daily"];
            Assert.Equal(1.75m, daily.ProjectCost);
            Assert.Equal(2, daily.ProjectEstimated);
            Assert.Equal(1, daily.For(BudgetScopeNames.User, "alice").Estimated);
            Assert.Equal(1, daily.For(BudgetScopeNames.Metadata, "team=red").Estimated);
            Assert.Equal(0.25m, daily.For(BudgetScopeNames.Metadata, "team=red").Cost);
        }
    }

    [Fact]
    public async Task Changing_the_budgets_rebuilds_the_rollup_once_from_the_parts()
    {
        var day = new DateTimeOffset(2026, 11, 21, 0, 0, 0, TimeSpan.Zero);
        await StoreAsync("acme", Event(day.AddHours(9), 1m, "alice", team: "red"), Event(day.AddHours(10), 2m, "bob", team: "blue"));
        var spend = new SpendRollup(_events) { SettleTime = s_settle };
        var before = Budgets(Budget("day", BudgetScopeNames.Project, null, "daily", 10m));
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(3m, (await spend.SpendAsync("acme", before, _time.GetUtcNow(), CancellationToken.None))["daily"].ProjectCost);

        // A metadata budget needs sums the stored rollup does not have: it is rebuilt, counting the events already stored.
        var after = Budgets(Budget("day", BudgetScopeNames.Project, null, "daily", 10m), Budget("blue", BudgetScopeNames.Metadata, "team=blue", "weekly", 10m));
        var result = await spend.SpendAsync("acme", after, _time.GetUtcNow(), CancellationToken.None);
        Assert.Equal(3m, result["daily"].ProjectCost);
        Assert.Equal(2m, result["weekly"].For(BudgetScopeNames.Metadata, "team=blue").Cost);
        Assert.Equal(3m, result["weekly"].ProjectCost);
    }

    [Fact]
    public async Task A_users_tier_is_their_latest_events_whether_stored_in_the_rollup_or_read_since()
    {
        var day = new DateTimeOffset(2026, 11, 21, 0, 0, 0, TimeSpan.Zero);
        var file = new BudgetFile
        {
            DefaultUserBudget = new DefaultUserBudget { TierMetadataKey = "team", Tiers = new(StringComparer.Ordinal) { ["red"] = new TierTemplate { AmountUsd = 5m, Period = "daily" } } },
        };
        var spend = new SpendRollup(_events) { SettleTime = s_settle };
        await StoreAsync("acme", Event(day.AddHours(9), 1m, "alice", team: "red"), Event(day.AddHours(10), 1m, "bob", team: "red"), Event(day.AddHours(10.5), 1m, "bob"));
        _time.Advance(TimeSpan.FromMinutes(5));
        var settled = (await spend.SpendAsync("acme", file, _time.GetUtcNow(), CancellationToken.None))["daily"];
        Assert.Equal(new Dictionary<string, string> { ["alice"] = "red", ["bob"] = "red" }, settled.UserTiers);

        await StoreAsync("acme", Event(day.AddHours(11), 0.5m, "alice", team: "blue"), Event(day.AddHours(8), 0.5m, "bob", team: "blue")); // bob's is older than his red one
        var result = (await spend.SpendAsync("acme", file, _time.GetUtcNow(), CancellationToken.None))["daily"];
        Assert.Equal(new Dictionary<string, string> { ["alice"] = "blue", ["bob"] = "red" }, result.UserTiers);
        Assert.Equal(1.5m, result.For(BudgetScopeNames.User, "alice").Cost);
        Assert.Equal(2.5m, result.For(BudgetScopeNames.User, "bob").Cost);
    }

    [Fact]
    public void Only_parts_written_since_the_watermark_less_the_settle_time_are_read()
    {
        var watermark = new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);
        var old = $"events/project=acme/dt=2026-11-21/part-{EventIds.NewUlid(watermark.AddMinutes(-3))}.parquet";
        var recent = $"events/project=acme/dt=2026-11-21/part-{EventIds.NewUlid(watermark.AddSeconds(-30))}.parquet";
        var merged = $"events/project=acme/dt=2026-11-02/part-{EventIds.NewUlid(watermark.AddSeconds(5))}.parquet";
        Assert.Equal(watermark.AddMinutes(-3).ToUnixTimeMilliseconds(), SpendRollup.PartTime(old)!.Value.ToUnixTimeMilliseconds());
        Assert.Null(SpendRollup.PartTime("events/project=acme/dt=2026-11-21/other.parquet")); // unknown names are always read
        Assert.Equal([recent, merged, "events/project=acme/dt=2026-11-21/other.parquet"], SpendRollup.Candidates([old, recent, merged, "events/project=acme/dt=2026-11-21/other.parquet"], watermark, TimeSpan.FromMinutes(1)));
        Assert.Equal(4, SpendRollup.Candidates([old, recent, merged, "events/project=acme/dt=2026-11-21/other.parquet"], null, TimeSpan.FromMinutes(1)).Count);
    }

    [Fact]
    public async Task A_project_whose_check_does_not_finish_does_not_hold_back_another_projects_kill_switch()
    {
        var budgets = new BudgetStore(_store, _time);
        var block = Budgets(Budget("cap", BudgetScopeNames.Project, null, "monthly", 5m, action: "block"));
        await budgets.SetBudgetsAsync("flood", block, "test", CancellationToken.None);
        await budgets.SetBudgetsAsync("quiet", block, "test", CancellationToken.None);
        var day = new DateTimeOffset(2026, 11, 21, 0, 0, 0, TimeSpan.Zero);
        await StoreAsync("quiet", Event(day.AddHours(11), 3m, "alice"), Event(day.AddHours(11.5), 2.5m, "bob")); // 5.50 of 5.00
        for (var i = 0; i < 20; i++)
        {
            await StoreAsync("flood", Event(day.AddHours(11), 0.001m, "u" + i)); // many tiny parts
        }

        var job = new BudgetCheckJob(budgets, _events, new LogAlertDispatcher(NullLogger<LogAlertDispatcher>.Instance), _time, NullLogger<BudgetCheckJob>.Instance) { RunSlice = TimeSpan.FromMinutes(2) };
        _store.Hold("events/project=flood/"); // the flooded project's check stalls reading its parts
        var run = job.RunAsync(CancellationToken.None);

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await IsBlockedAsync(budgets, "quiet"))
        {
            Assert.True(DateTime.UtcNow < deadline, "the quiet project's kill-switch never flipped while the flooded project's check stalled");
            await Task.Delay(20);
        }

        Assert.False(run.IsCompleted); // the flooded project's check is still stuck: the quiet one did not wait for it
        Assert.Null(await budgets.GetStatusAsync("flood", CancellationToken.None));

        // Later runs while it is stuck check the quiet project again (once its first check has delivered its alert) and skip the stuck one.
        JobResult second;
        do
        {
            Assert.True(DateTime.UtcNow < deadline, "no later run checked the quiet project");
            second = await job.RunAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
        }
        while (!second.Summary.Contains("1 project(s) checked", StringComparison.Ordinal));

        Assert.Contains("1 skipped", second.Summary, StringComparison.Ordinal);

        _store.Release();
        var first = await run.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Contains("2 project(s) checked", first.Summary, StringComparison.Ordinal);
        Assert.False(await IsBlockedAsync(budgets, "flood"));
    }

    private static async Task<bool> IsBlockedAsync(BudgetStore budgets, string project)
    {
        var stored = await budgets.GetStatusAsync(project, CancellationToken.None);
        return stored is not null && JsonSerializer.Deserialize(stored.Content, BudgetStatusJsonContext.Default.BudgetStatusDocument)!.Budgets.Any(b => b.Blocked);
    }

    private async Task AssertSpendAsync(SpendRollup spend, BudgetFile file, decimal monthly, decimal daily, decimal alice, decimal red)
    {
        var result = await spend.SpendAsync("acme", file, _time.GetUtcNow(), CancellationToken.None);
        Assert.Equal(monthly, result["monthly"].ProjectCost);
        Assert.Equal(daily, result["daily"].ProjectCost);
        Assert.Equal(alice, result["daily"].For(BudgetScopeNames.User, "alice").Cost);
        Assert.Equal(red, result["monthly"].For(BudgetScopeNames.Metadata, "team=red").Cost);
        Assert.Equal(0, result["monthly"].ProjectUnpriced);
    }

    private async Task<SpendRollupFile> StoredRollupAsync(string project)
    {
        var stored = await _store.GetAsync(SpendRollup.Key(project), CancellationToken.None);
        return JsonSerializer.Deserialize(stored!.Content, SpendRollupJsonContext.Default.SpendRollupFile)!;
    }

    private static UsageEvent Event(DateTimeOffset ts, decimal cost, string user, string? team = null)
        => Batches.Event(ts: ts, userId: user) with { CostUsd = cost, Metadata = team is null ? null : new Dictionary<string, string> { ["team"] = team } };

    /// <summary>Stores one batch the way ingest does (stamped now, priced as the SDK priced it), as one or more parts.</summary>
    private Task StoreAsync(string project, params UsageEvent[] batch)
        => _writer.WriteAsync(project, batch.Select(e => new StoredEvent(e, project, e.CostUsd, null, "sdk", _time.GetUtcNow())).ToList(), CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        _store.Release();
        await _writer.DisposeAsync();
        _duckDb.Dispose();
        _metrics.Dispose();
        _folder.Dispose();
    }

    /// <summary>A local store whose listings under one prefix wait until released: a check that does not finish.</summary>
    private sealed class GatedStore(IObjectStore inner) : IObjectStore
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private string? _held;

        public string Kind => inner.Kind;

        public void Hold(string prefix) => _held = prefix;

        public void Release() => _released.TrySetResult();

        public async IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            if (_held is { } held && prefix.StartsWith(held, StringComparison.Ordinal))
            {
                await _released.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            await foreach (var o in inner.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
            {
                yield return o;
            }
        }

        public Task PutFileAsync(string key, string localPath, CancellationToken cancellationToken) => inner.PutFileAsync(key, localPath, cancellationToken);

        public Task PutAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) => inner.PutAsync(key, content, cancellationToken);

        public Task<string?> PutConditionalAsync(string key, ReadOnlyMemory<byte> content, string? ifMatchETag, CancellationToken cancellationToken) => inner.PutConditionalAsync(key, content, ifMatchETag, cancellationToken);

        public Task<StoredObject?> GetAsync(string key, CancellationToken cancellationToken) => inner.GetAsync(key, cancellationToken);

        public Task<bool> DownloadToFileAsync(string key, string localPath, CancellationToken cancellationToken) => inner.DownloadToFileAsync(key, localPath, cancellationToken);

        public Task DeleteAsync(string key, CancellationToken cancellationToken) => inner.DeleteAsync(key, cancellationToken);
    }
}
