using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using DuckDB.NET.Data;
using LensAI.Backend.Budgets;
using LensAI.Backend.DuckDb;
using LensAI.Backend.Parquet;
using LensAI.Backend.Storage;
using LensAI.Budgets;

namespace LensAI.Backend.Rollups;

/// <summary>
/// The budget check's spend, at a cost that follows new data instead of history: a rollup of the spend by budget
/// period window that is persisted per project (<see cref="SpendRollupFile"/>) up to a watermark on
/// <c>ingested_at</c>, plus only the events ingested after that watermark.
/// <para>
/// Each call reads the parts that can hold events ingested after the watermark — a part's name is a ULID of the time it
/// was written (or merged), never before its events were stamped, so parts named more than <see cref="SettleTime"/>
/// before the watermark are skipped unread — keeps their events ingested after it (first copy per <c>event_id</c>),
/// drops those whose <c>event_id</c> already has a copy at or before the watermark (a re-send: only that part of the
/// day's parts is read, by the re-sent events' <c>ts</c> range), and sums them by 15-minute bucket of <c>ts</c> into each
/// period window (so an event whose <c>ts</c> is in an hour already rolled up still counts in its window: late data).
/// Events ingested more than <see cref="SettleTime"/> ago move into the persisted rows and the watermark advances;
/// newer ones are counted for this call only, because a part holding events stamped a moment ago may still be uploading.
/// Merged or compacted parts keep each event's <c>ingested_at</c>, so they add nothing already counted. A change of time
/// zone, period kinds, metadata scopes or tier key rebuilds the rows once from every part of the current windows.
/// </para>
/// </summary>
internal sealed class SpendRollup(EventStore events)
{
    private readonly ConcurrentDictionary<string, (string ETag, SpendRollupFile File)> _files = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (string Inputs, Dictionary<string, PeriodSpend> Spend)> _results = new(StringComparer.Ordinal);

    /// <summary>How long after an event is stamped (<c>ingested_at</c>) its part is surely stored: default 2 minutes.</summary>
    /// <remarks>
    /// Covers the writer's queue, its group-commit window and its 30 s storage timeout, after which a batch fails (503)
    /// and is re-sent with a new stamp. Events younger than this are re-read on every check; older ones only once.
    /// </remarks>
    public static readonly TimeSpan DefaultSettleTime = TimeSpan.FromMinutes(2);

    private const string Version = "2"; // 2: estimated calls counted
    private const long BucketMicros = 15 * 60 * 1_000_000L; // every time zone's offset is a multiple of 15 minutes

    public TimeSpan SettleTime { get; init; } = DefaultSettleTime;

    public static string Key(string project) => $"_system/spend-rollup/{project}.json";

    /// <summary>The spend of the current window of every period kind the budgets use, keyed by period kind.</summary>
    public async Task<Dictionary<string, PeriodSpend>> SpendAsync(string project, BudgetFile file, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var zone = BudgetPeriods.FindZone(file.TimeZone) ?? TimeZoneInfo.Utc;
        var periods = file.Budgets.Select(b => b.Period)
            .Concat(file.DefaultUserBudget?.Tiers.Values.Where(t => t is not null).Select(t => t!.Period) ?? [])
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var current = periods.ToDictionary(p => p, p => BudgetPeriods.Current(p, zone, now), StringComparer.Ordinal);
        var scopes = file.Budgets.Where(b => b.Scope == BudgetScopeNames.Metadata && b.ScopeValue is not null)
            .Select(b => b.ScopeValue!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var tierKey = file.DefaultUserBudget?.TierMetadataKey;
        var signature = string.Join('\u001f', [Version, zone.Id, string.Join(',', periods), tierKey ?? "", .. scopes]);

        var stored = await events.Store.GetAsync(Key(project), cancellationToken).ConfigureAwait(false);
        var rollup = Parse(project, stored);
        if (rollup is null || rollup.Signature != signature)
        {
            rollup = new SpendRollupFile { Signature = signature }; // first build, or the budgets now need other sums
        }

        var watermark = rollup.Watermark;
        var settled = now - SettleTime;
        if (watermark is { } w && settled < w)
        {
            settled = w;
        }

        // The same stored rollup, windows and parts to read give the same sums: the last ones are returned (the same instance).
        var (fromDay, toDay) = periods.Count == 0
            ? (default, default)
            : (DateOnly.FromDateTime(current.Values.Min(c => c.Start).UtcDateTime), DateOnly.FromDateTime(current.Values.Max(c => c.End).UtcDateTime));
        var listed = periods.Count == 0 ? [] : await events.ListPartsAsync(project, fromDay, toDay, cancellationToken).ConfigureAwait(false);
        var inputs = string.Join('\n', [stored?.ETag ?? "", signature, .. current.Values.Select(c => c.Start.UtcTicks.ToString(CultureInfo.InvariantCulture)), .. Candidates(listed, watermark, SettleTime)]);
        if (_results.TryGetValue(project, out var last) && last.Inputs == inputs)
        {
            return last.Spend;
        }

        var spend = new Spend(periods, zone, current);
        foreach (var row in rollup.Rows)
        {
            spend.Add(row, committed: true);
        }

        foreach (var tier in rollup.Tiers)
        {
            spend.AddTier(tier, committed: true);
        }

        if (periods.Count > 0)
        {
            var (sums, tiers) = await ReadNewAsync(project, fromDay, toDay, listed, watermark, settled, scopes, tierKey, cancellationToken).ConfigureAwait(false);
            foreach (var (bucket, dimension, key, cost, unpriced, estimated, committed) in sums)
            {
                spend.AddFresh(bucket, dimension, key, cost, unpriced, estimated, committed);
            }

            foreach (var (bucket, user, at, tier, committed) in tiers)
            {
                spend.AddFreshTier(bucket, user, at, tier, committed);
            }
        }

        if (watermark is null || settled - watermark.Value >= SettleTime || spend.CommittedChanged)
        {
            var next = new SpendRollupFile { Signature = signature, Watermark = settled, Rows = spend.CommittedRows(), Tiers = spend.CommittedTiers() };
            // A lost race (another checker wrote first) keeps its file: this call's sums are right either way.
            var content = JsonSerializer.SerializeToUtf8Bytes(next, SpendRollupJsonContext.Default.SpendRollupFile);
            if (await events.Store.PutConditionalAsync(Key(project), content, stored?.ETag, cancellationToken).ConfigureAwait(false) is { } etag)
            {
                _files[project] = (etag, next);
            }
        }

        var result = spend.Current();
        _results[project] = (inputs, result);
        return result;
    }

    /// <summary>The stored rollup, parsed again only when it changed.</summary>
    private SpendRollupFile? Parse(string project, StoredObject? stored)
    {
        if (stored is null)
        {
            return null;
        }

        if (_files.TryGetValue(project, out var cached) && cached.ETag == stored.ETag)
        {
            return cached.File;
        }

        var file = JsonSerializer.Deserialize(stored.Content, SpendRollupJsonContext.Default.SpendRollupFile);
        if (file is not null)
        {
            _files[project] = (stored.ETag, file);
        }

        return file;
    }

    /// <summary>The sums of the events ingested after the watermark, by 15-minute bucket; <c>Committed</c> when ingested at or before <paramref name="settled"/>.</summary>
    private Task<(List<FreshSum> Sums, List<FreshTier> Tiers)> ReadNewAsync(string project, DateOnly fromDay, DateOnly toDay, IReadOnlyList<string> listed, DateTimeOffset? watermark, DateTimeOffset settled, List<string> scopes, string? tierKey, CancellationToken cancellationToken)
    {
        IReadOnlyList<string>? first = listed;
        return EventStore.RetryWhilePartsVanishAsync<(List<FreshSum>, List<FreshTier>)>(async () =>
        {
            var keys = first ?? await events.ListPartsAsync(project, fromDay, toDay, cancellationToken).ConfigureAwait(false); // listed again after a part vanished
            first = null;
            var candidates = Candidates(keys, watermark, SettleTime);
            if (candidates.Count == 0)
            {
                return ([], []);
            }

            var candidatePaths = await events.LocalPathsAsync(candidates, cancellationToken).ConfigureAwait(false);
            using var connection = events.DuckDb.Open();
            var rows = ReadFresh(connection, candidatePaths, watermark, scopes.Count > 0 || tierKey is not null);
            if (rows > 0 && watermark is { } w)
            {
                await DropResentAsync(connection, keys, w, cancellationToken).ConfigureAwait(false);
            }

            return rows > 0 ? Sum(connection, settled, scopes, tierKey) : ([], []);
        });
    }

    /// <summary>Loads the candidate parts' events ingested after the watermark into the temp table <c>fresh</c> (first copy per event id); returns how many.</summary>
    private static long ReadFresh(DuckDBConnection connection, IReadOnlyList<string> paths, DateTimeOffset? watermark, bool withMetadata)
    {
        var metadata = withMetadata ? ", metadata" : "";
        var after = watermark is null ? "" : "WHERE ingested_at > $watermark";
        var sql = $"""
            CREATE OR REPLACE TEMP TABLE fresh AS
            SELECT * EXCLUDE (lensai_rn) FROM (
              SELECT event_id, ts, ingested_at, model, user_id, route, cost_usd, usage_estimated{metadata},
                     row_number() OVER (PARTITION BY event_id ORDER BY ingested_at) AS lensai_rn
              FROM (SELECT * FROM read_parquet($files, union_by_name = true, hive_partitioning = false) UNION ALL BY NAME {EventStore.TypedEmpty}) {after})
            WHERE lensai_rn = 1
            """;
        if (watermark is { } w)
        {
            connection.Execute(sql, EventStore.Files(paths), ("watermark", w));
        }
        else
        {
            connection.Execute(sql, EventStore.Files(paths));
        }

        return connection.ScalarInt64("SELECT count(*) FROM fresh");
    }

    /// <summary>
    /// Drops from <c>fresh</c> every event whose id already has a copy ingested at or before the watermark (a re-send,
    /// counted when its first copy was): such a copy has the same <c>ts</c>, so only the days and the <c>ts</c> range of
    /// the fresh events are read (sorted merged parts skip the rest by their statistics).
    /// </summary>
    private async Task DropResentAsync(DuckDBConnection connection, IReadOnlyList<string> keys, DateTimeOffset watermark, CancellationToken cancellationToken)
    {
        var (low, high) = connection.Query("SELECT min(ts), max(ts) FROM fresh", r => (r.GetFieldValue<DateTimeOffset>(0), r.GetFieldValue<DateTimeOffset>(1))).Single();
        var (lowDay, highDay) = (DateOnly.FromDateTime(low.UtcDateTime), DateOnly.FromDateTime(high.UtcDateTime));
        var older = keys.Where(k => EventStore.DayOf(k) is { } d && d >= lowDay && d <= highDay).ToList();
        var paths = await events.LocalPathsAsync(older, cancellationToken).ConfigureAwait(false);
        if (paths.Count == 0)
        {
            return;
        }

        connection.Execute(
            """
            DELETE FROM fresh WHERE event_id IN (
              SELECT event_id FROM read_parquet($files, union_by_name = true, hive_partitioning = false)
              WHERE ts >= $low AND ts <= $high AND ingested_at <= $watermark)
            """,
            EventStore.Files(paths),
            ("low", low),
            ("high", high),
            ("watermark", watermark));
    }

    /// <summary>Sums <c>fresh</c> by 15-minute bucket and dimension; events ingested after <paramref name="settled"/> are not <c>Committed</c> (they count for this call only).</summary>
    private static (List<FreshSum> Sums, List<FreshTier> Tiers) Sum(DuckDBConnection connection, DateTimeOffset settled, List<string> scopes, string? tierKey)
    {
        var bucket = string.Create(CultureInfo.InvariantCulture, $"CAST(epoch_us(ts) // {BucketMicros} AS BIGINT)");
        var sums = connection.Query(
            $"""
            SELECT {bucket} AS lensai_bucket, ingested_at > $settled AS lensai_tail,
              CASE WHEN GROUPING(model) = 0 THEN 'model' WHEN GROUPING(user_id) = 0 THEN 'user' WHEN GROUPING(route) = 0 THEN 'route' ELSE 'all' END,
              coalesce(CASE WHEN GROUPING(model) = 0 THEN model WHEN GROUPING(user_id) = 0 THEN user_id WHEN GROUPING(route) = 0 THEN route END, ''),
              CAST(coalesce(sum(cost_usd), 0) AS DECIMAL(38, 9)), (count(*) - count(cost_usd))::BIGINT,
              count(*) FILTER (WHERE usage_estimated)::BIGINT
            FROM fresh
            GROUP BY GROUPING SETS ((lensai_bucket, lensai_tail), (lensai_bucket, lensai_tail, model), (lensai_bucket, lensai_tail, user_id), (lensai_bucket, lensai_tail, route))
            """,
            r => new FreshSum(BucketStart(r.GetInt64(0)), r.GetString(2), r.GetString(3), r.GetDecimal(4), r.GetInt64(5), r.GetInt64(6), Committed: !r.GetBoolean(1)),
            ("settled", settled));

        foreach (var scope in scopes)
        {
            var eq = scope.IndexOf('=', StringComparison.Ordinal);
            sums.AddRange(connection.Query(
                $"""
                SELECT {bucket} AS lensai_bucket, ingested_at > $settled AS lensai_tail, CAST(coalesce(sum(cost_usd), 0) AS DECIMAL(38, 9)), (count(*) - count(cost_usd))::BIGINT,
                  count(*) FILTER (WHERE usage_estimated)::BIGINT
                FROM fresh WHERE metadata[$key] = $value GROUP BY ALL
                """,
                r => new FreshSum(BucketStart(r.GetInt64(0)), BudgetScopeNames.Metadata, scope, r.GetDecimal(2), r.GetInt64(3), r.GetInt64(4), Committed: !r.GetBoolean(1)),
                ("settled", settled),
                ("key", scope[..eq]),
                ("value", scope[(eq + 1)..])));
        }

        if (tierKey is null)
        {
            return (sums, []);
        }

        var tiers = connection.Query(
            $"""
            SELECT {bucket} AS lensai_bucket, ingested_at > $settled AS lensai_tail, user_id, arg_max(metadata[$key], ts), max(ts)
            FROM fresh WHERE user_id IS NOT NULL AND metadata[$key] IS NOT NULL GROUP BY ALL
            """,
            r => new FreshTier(BucketStart(r.GetInt64(0)), r.GetString(2), r.GetFieldValue<DateTimeOffset>(4), r.GetString(3), Committed: !r.GetBoolean(1)),
            ("settled", settled),
            ("key", tierKey));
        return (sums, tiers);
    }

    private static DateTimeOffset BucketStart(long bucket) => DateTimeOffset.UnixEpoch.AddTicks(bucket * BucketMicros * 10);

    /// <summary>The parts that can hold events ingested after <paramref name="watermark"/>: all of them before the first build.</summary>
    internal static List<string> Candidates(IReadOnlyList<string> keys, DateTimeOffset? watermark, TimeSpan settle)
        => watermark is { } w ? keys.Where(k => PartTime(k) is not { } t || t >= w - settle).ToList() : [.. keys];

    /// <summary>The time a part's name says it was written: <c>part-&lt;ULID&gt;.parquet</c>, the ULID's 48-bit millisecond prefix.</summary>
    internal static DateTimeOffset? PartTime(string key)
    {
        const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
        var name = key.AsSpan(key.LastIndexOf('/') + 1);
        if (!name.StartsWith("part-", StringComparison.Ordinal) || name.Length < "part-".Length + 26)
        {
            return null;
        }

        var milliseconds = 0L;
        foreach (var c in name.Slice("part-".Length, 10))
        {
            var digit = Alphabet.IndexOf(char.ToUpperInvariant(c), StringComparison.Ordinal);
            if (digit < 0)
            {
                return null;
            }

            milliseconds = (milliseconds << 5) | (long)digit;
        }

        return milliseconds <= DateTimeOffset.MaxValue.ToUnixTimeMilliseconds() ? DateTimeOffset.FromUnixTimeMilliseconds(milliseconds) : null;
    }

    private sealed record FreshSum(DateTimeOffset Bucket, string Dimension, string Key, decimal Cost, long Unpriced, long Estimated, bool Committed);

    private sealed record FreshTier(DateTimeOffset Bucket, string User, DateTimeOffset At, string Tier, bool Committed);

    /// <summary>The sums being built: committed ones (persisted) and this call's tail, by (period, window, dimension, key).</summary>
    private sealed class Spend(List<string> periods, TimeZoneInfo zone, Dictionary<string, (DateTimeOffset Start, DateTimeOffset End)> current)
    {
        private readonly Dictionary<(string Period, DateTimeOffset Window, string Dimension, string Key), (decimal Cost, long Unpriced, long Estimated)> _committed = [];
        private readonly Dictionary<(string Period, DateTimeOffset Window, string Dimension, string Key), (decimal Cost, long Unpriced, long Estimated)> _tail = [];
        private readonly Dictionary<(string Period, DateTimeOffset Window, string User), (DateTimeOffset At, string Tier)> _committedTiers = [];
        private readonly Dictionary<(string Period, DateTimeOffset Window, string User), (DateTimeOffset At, string Tier)> _tailTiers = [];

        public bool CommittedChanged { get; private set; }

        public void Add(SpendRollupRow row, bool committed)
        {
            if (current.TryGetValue(row.Period, out var window) && row.Window >= window.Start)
            {
                Accumulate(committed ? _committed : _tail, (row.Period, row.Window, row.Dimension, row.Key), row.Cost, row.Unpriced, row.Estimated);
            }
        }

        public void AddTier(SpendRollupTier tier, bool committed)
        {
            if (current.TryGetValue(tier.Period, out var window) && tier.Window >= window.Start)
            {
                Latest(committed ? _committedTiers : _tailTiers, (tier.Period, tier.Window, tier.User), tier.At, tier.Tier);
            }
        }

        /// <summary>Adds a 15-minute bucket's sums to the window of each period kind holding it (windows already over are dropped).</summary>
        public void AddFresh(DateTimeOffset bucket, string dimension, string key, decimal cost, long unpriced, long estimated, bool committed)
        {
            foreach (var period in periods)
            {
                var (start, _) = BudgetPeriods.Current(period, zone, bucket);
                Add(new SpendRollupRow(period, start, dimension, key, cost, unpriced, estimated), committed);
                CommittedChanged |= committed && start >= current[period].Start;
            }
        }

        public void AddFreshTier(DateTimeOffset bucket, string user, DateTimeOffset at, string tier, bool committed)
        {
            foreach (var period in periods)
            {
                var (start, _) = BudgetPeriods.Current(period, zone, bucket);
                AddTier(new SpendRollupTier(period, start, user, at, tier), committed);
                CommittedChanged |= committed && start >= current[period].Start;
            }
        }

        public List<SpendRollupRow> CommittedRows() => [.. _committed.Select(kv => new SpendRollupRow(kv.Key.Period, kv.Key.Window, kv.Key.Dimension, kv.Key.Key, kv.Value.Cost, kv.Value.Unpriced, kv.Value.Estimated))];

        public List<SpendRollupTier> CommittedTiers() => [.. _committedTiers.Select(kv => new SpendRollupTier(kv.Key.Period, kv.Key.Window, kv.Key.User, kv.Value.At, kv.Value.Tier))];

        /// <summary>Committed plus tail sums of each period kind's current window.</summary>
        public Dictionary<string, PeriodSpend> Current()
        {
            var result = periods.ToDictionary(p => p, _ => new PeriodSpend(), StringComparer.Ordinal);
            var sums = new Dictionary<(string Period, DateTimeOffset Window, string Dimension, string Key), (decimal Cost, long Unpriced, long Estimated)>(_committed);
            foreach (var (key, value) in _tail)
            {
                Accumulate(sums, key, value.Cost, value.Unpriced, value.Estimated);
            }

            foreach (var ((period, window, dimension, key), (cost, unpriced, estimated)) in sums)
            {
                if (window != current[period].Start)
                {
                    continue;
                }

                var spend = result[period];
                var item = new ScopeSpend(cost, unpriced, unpriced > 0 && dimension == "model" ? [key] : null) { Estimated = estimated };
                switch (dimension)
                {
                    case "all":
                        spend.ProjectCost = cost;
                        spend.ProjectUnpriced = unpriced;
                        spend.ProjectEstimated = estimated;
                        break;
                    case "model":
                        spend.ByModel[key] = item;
                        break;
                    case "user":
                        spend.ByUser[key] = item;
                        break;
                    case "route":
                        spend.ByRoute[key] = item;
                        break;
                    case BudgetScopeNames.Metadata:
                        spend.ByMetadata[key] = new ScopeSpend(cost, unpriced) { Estimated = estimated };
                        break;
                }
            }

            var tiers = new Dictionary<(string Period, DateTimeOffset Window, string User), (DateTimeOffset At, string Tier)>(_committedTiers);
            foreach (var (key, (at, tier)) in _tailTiers)
            {
                Latest(tiers, key, at, tier);
            }

            foreach (var ((period, window, user), (_, tier)) in tiers)
            {
                if (window == current[period].Start)
                {
                    result[period].UserTiers[user] = tier;
                }
            }

            return result;
        }

        private static void Accumulate<TKey>(Dictionary<TKey, (decimal Cost, long Unpriced, long Estimated)> into, TKey key, decimal cost, long unpriced, long estimated)
            where TKey : notnull
        {
            var old = into.GetValueOrDefault(key);
            into[key] = (old.Cost + cost, old.Unpriced + unpriced, old.Estimated + estimated);
        }

        private static void Latest<TKey>(Dictionary<TKey, (DateTimeOffset At, string Tier)> into, TKey key, DateTimeOffset at, string tier)
            where TKey : notnull
        {
            if (!into.TryGetValue(key, out var old) || at > old.At || (at == old.At && string.CompareOrdinal(tier, old.Tier) > 0))
            {
                into[key] = (at, tier);
            }
        }
    }
}
