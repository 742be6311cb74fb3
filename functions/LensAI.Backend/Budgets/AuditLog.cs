using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using LensAI.Backend.Storage;

namespace LensAI.Backend.Budgets;

/// <summary>
/// A project's audit log in object storage: one object per entry, <c>_system/audit/&lt;project&gt;/&lt;yyyy-MM&gt;/&lt;ULID&gt;.json</c>,
/// written only if absent (a conditional create), never replaced or deleted by LensAI. So it is append-only, survives
/// restarts, and any number of backends appending at once lose nothing: each entry is its own object, and a name
/// taken already (a ULID collision) is retried with a new one. The ULID sorts by time, so reading is a listing in key
/// order, filtered by time before any entry is fetched, and paged by the last ULID returned.
/// </summary>
internal sealed class AuditLog(IObjectStore store, TimeProvider time)
{
    /// <summary>The most entries one page returns.</summary>
    public const int MaxPageSize = 500;

    /// <summary>The most entries one page reads (a kind filter may skip many); past it the page ends early with a cursor.</summary>
    public const int MaxScannedPerPage = 5000;

    /// <summary>The longest time range one query covers.</summary>
    public static readonly TimeSpan MaxRange = TimeSpan.FromDays(366);

    private const string Prefix = "_system/audit/";

    /// <summary>Appends one entry and returns it (with its time and id).</summary>
    public async Task<AuditEntry> AppendAsync(string project, string actor, string kind, string target, JsonElement? before, JsonElement? after, string? reason, CancellationToken cancellationToken, string? detail = null)
    {
        for (var attempt = 0; ; attempt++)
        {
            var now = time.GetUtcNow();
            var id = EventIds.NewUlid(now);
            var entry = new AuditEntry(now, project, actor, kind, detail ?? target)
            {
                Target = target,
                Before = before,
                After = after,
                Reason = reason,
                Id = id,
            };
            var bytes = JsonSerializer.SerializeToUtf8Bytes(entry, AuditJsonContext.Default.AuditEntry);
            if (await store.PutConditionalAsync(Key(project, now, id), bytes, null, cancellationToken).ConfigureAwait(false) is not null)
            {
                return entry;
            }

            if (attempt >= 5)
            {
                throw new ObjectStoreException("Could not append an audit entry: its name was taken five times.");
            }
        }
    }

    /// <summary>
    /// Appends one <c>alert.sent</c> entry per alert delivered (after the budget check recorded it as sent, so a retried
    /// check never logs an alert twice): the actor is the budget check, the target the budget, the value the alert.
    /// </summary>
    public async Task AlertsSentAsync(string project, IEnumerable<PendingAlert> delivered, CancellationToken cancellationToken)
    {
        foreach (var pending in delivered)
        {
            var alert = pending.Alert;
            var after = ToJson(new Dictionary<string, string?>
            {
                ["kind"] = alert.Kind,
                ["threshold_percent"] = alert.ThresholdPercent?.ToString(CultureInfo.InvariantCulture),
                ["spent_usd"] = alert.SpentUsd.ToString("0.00####", CultureInfo.InvariantCulture),
                ["limit_usd"] = alert.LimitUsd.ToString("0.00####", CultureInfo.InvariantCulture),
                ["channel"] = pending.Channel,
                ["alert_id"] = alert.AlertId,
            });
            var target = "budget:" + alert.BudgetId + (alert.ScopeValue is null ? "" : "/" + alert.ScopeValue);
            await AppendAsync(project, "lensai:budget-check", "alert.sent", target, null, after, null, cancellationToken,
                detail: $"{alert.Kind} alert for {alert.BudgetId} sent on {pending.Channel}").ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The entries of <paramref name="project"/> at or after <paramref name="from"/> and before <paramref name="to"/>,
    /// oldest first, whose kind is one of <paramref name="kinds"/> (a whole kind such as <c>budget.raise</c>, or a
    /// family such as <c>key</c> for every <c>key.*</c>; empty: all), after the entry <paramref name="cursor"/>.
    /// </summary>
    public async Task<AuditPage> QueryAsync(string project, DateTimeOffset from, DateTimeOffset to, IReadOnlyCollection<string> kinds, int limit, string? cursor, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, MaxPageSize);
        var entries = new List<AuditEntry>();
        var scanned = 0;
        string? last = null;
        for (var month = new DateTimeOffset(from.UtcDateTime.Year, from.UtcDateTime.Month, 1, 0, 0, 0, TimeSpan.Zero); month < to; month = month.AddMonths(1))
        {
            await foreach (var o in store.ListAsync($"{Prefix}{project}/{month:yyyy-MM}/", cancellationToken).ConfigureAwait(false))
            {
                var id = IdOf(o.Key);
                if (id is null || (cursor is not null && string.CompareOrdinal(id, cursor) <= 0) || TimeOf(id) is not { } at || at < from || at >= to)
                {
                    continue;
                }

                if (entries.Count == limit || scanned == MaxScannedPerPage)
                {
                    return new AuditPage(entries, last);
                }

                scanned++;
                last = id;
                if (await store.GetAsync(o.Key, cancellationToken).ConfigureAwait(false) is { } stored
                    && JsonSerializer.Deserialize(stored.Content, AuditJsonContext.Default.AuditEntry) is { } entry
                    && Matches(entry.Action, kinds))
                {
                    entries.Add(entry with { Id = id });
                }
            }
        }

        return new AuditPage(entries, null);
    }

    /// <summary>Every entry of <paramref name="project"/>, oldest first (tests and small tools; the API pages).</summary>
    public async Task<IReadOnlyList<AuditEntry>> AllAsync(string project, CancellationToken cancellationToken)
    {
        var entries = new List<AuditEntry>();
        await foreach (var o in store.ListAsync($"{Prefix}{project}/", cancellationToken).ConfigureAwait(false))
        {
            if (await store.GetAsync(o.Key, cancellationToken).ConfigureAwait(false) is { } stored
                && JsonSerializer.Deserialize(stored.Content, AuditJsonContext.Default.AuditEntry) is { } entry)
            {
                entries.Add(entry with { Id = IdOf(o.Key) });
            }
        }

        return entries.OrderBy(e => e.At).ThenBy(e => e.Id, StringComparer.Ordinal).ToList();
    }

    /// <summary><paramref name="value"/> as a JSON value for <see cref="AuditEntry.Before"/>/<see cref="AuditEntry.After"/>; null stays null.</summary>
    public static JsonElement? ToJson<T>(T? value, JsonTypeInfo<T> type)
        where T : class
        => value is null ? null : JsonSerializer.SerializeToElement(value, type);

    /// <summary>A key's public fields (never its secret or hash) for the log.</summary>
    public static JsonElement? ToJson(Dictionary<string, string?>? value) => ToJson(value, AuditJsonContext.Default.DictionaryStringString);

    /// <summary>Whether <paramref name="kind"/> is one of <paramref name="kinds"/>, or in one of their families.</summary>
    internal static bool Matches(string kind, IReadOnlyCollection<string> kinds)
        => kinds.Count == 0 || kinds.Any(k => kind == k || (kind.StartsWith(k, StringComparison.Ordinal) && kind.Length > k.Length && kind[k.Length] == '.'));

    private static string Key(string project, DateTimeOffset at, string id) => $"{Prefix}{project}/{at.UtcDateTime.ToString("yyyy-MM", CultureInfo.InvariantCulture)}/{id}.json";

    private static string? IdOf(string key)
    {
        var slash = key.LastIndexOf('/');
        return key.EndsWith(".json", StringComparison.Ordinal) && key.Length - slash - 1 == 26 + 5 ? key[(slash + 1)..^5] : null;
    }

    /// <summary>The time part of a ULID (its first 10 characters, milliseconds since the epoch in Crockford base32).</summary>
    internal static DateTimeOffset? TimeOf(string ulid)
    {
        const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
        long ms = 0;
        for (var i = 0; i < 10; i++)
        {
            var digit = Alphabet.IndexOf(ulid[i], StringComparison.Ordinal);
            if (digit < 0)
            {
                return null;
            }

            ms = (ms << 5) | (uint)digit;
        }

        return ms <= DateTimeOffset.MaxValue.ToUnixTimeMilliseconds() ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
    }
}
