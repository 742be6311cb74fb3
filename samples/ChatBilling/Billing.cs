using System.Globalization;
using System.Text.Json.Serialization;
using DuckDB.NET.Data;
using LensAI.Backend.Billing;
using LensAI.Backend.Parquet;
using LensAI.Backend.Rollups;
using LensAI.Backend.Storage;

namespace LensAI.Samples.ChatBilling;

/// <summary>What one conversation cost.</summary>
/// <summary>One user's cost over a range, from the rollups.</summary>
public sealed record UserCost(
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("requests")] long Requests,
    [property: JsonPropertyName("tokens")] long Tokens,
    [property: JsonPropertyName("cost_usd")] decimal CostUsd);

public sealed record ConversationCost(
    [property: JsonPropertyName("conversation_id")] string ConversationId,
    [property: JsonPropertyName("calls")] long Calls,
    [property: JsonPropertyName("tokens")] long Tokens,
    [property: JsonPropertyName("cost_usd")] decimal CostUsd);

/// <summary>A user's usage this month: their total and each conversation's cost.</summary>
public sealed record UserUsage(
    [property: JsonPropertyName("user_id")] string UserId,
    [property: JsonPropertyName("tier")] string Tier,
    [property: JsonPropertyName("month")] string Month,
    [property: JsonPropertyName("cost_usd")] decimal CostUsd,
    [property: JsonPropertyName("conversations")] IReadOnlyList<ConversationCost> Conversations);

/// <summary>One day of an invoice.</summary>
public sealed record InvoiceLine(
    [property: JsonPropertyName("day")] DateOnly Day,
    [property: JsonPropertyName("requests")] long Requests,
    [property: JsonPropertyName("blocked")] long Blocked,
    [property: JsonPropertyName("tokens_in")] long TokensIn,
    [property: JsonPropertyName("tokens_out")] long TokensOut,
    [property: JsonPropertyName("cost_usd")] decimal CostUsd);

/// <summary>A user's monthly invoice, computed from LensAI's daily rollups.</summary>
public sealed record Invoice(
    [property: JsonPropertyName("user_id")] string UserId,
    [property: JsonPropertyName("tier")] string Tier,
    [property: JsonPropertyName("stripe_customer_id")] string StripeCustomerId,
    [property: JsonPropertyName("month")] string Month,
    [property: JsonPropertyName("lines")] IReadOnlyList<InvoiceLine> Lines,
    [property: JsonPropertyName("total_usd")] decimal TotalUsd,
    [property: JsonPropertyName("total_micro_usd")] long TotalMicroUsd);

/// <summary>What a Stripe push did.</summary>
public sealed record StripePush(
    [property: JsonPropertyName("destination")] string Destination,
    [property: JsonPropertyName("log")] IReadOnlyList<string> Log);

/// <summary>
/// The billing side of the chat service, reading only what LensAI's backend wrote — no tally of its own: costs per user
/// from the rollups (<see cref="RollupReader"/>), costs per conversation from the events
/// in Parquet (<see cref="EventStore"/>; conversations are the <c>conversation_id</c> metadata of each call), and the
/// push to Stripe through the backend's <see cref="StripeSyncJob"/> and <see cref="StripeMeterClient"/>.
/// </summary>
/// <remarks>
/// The backend library runs in this process here (the embedded default). A deployed service reads the same objects by
/// pointing the library at the same storage (<c>LensAI:Backend:Storage</c>), or calls the backend's
/// <c>GET /v1/report</c>.
/// </remarks>
public sealed class BillingService(
    string project,
    UserDirectory users,
    IObjectStore store,
    EventStore events,
    RollupReader rollups,
    StripeMeterClient? stripe,
    StripeOptions? stripeOptions,
    TimeProvider time,
    ILoggerFactory loggers)
{
    /// <summary>The project whose events are billed.</summary>
    public string Project => project;

    /// <summary>
    /// Tells the backend's Stripe sync who pays for whom (<c>_system/stripe/&lt;project&gt;.json</c>: user id → Stripe
    /// customer). Run at start-up and whenever a user's customer changes.
    /// </summary>
    public async Task PublishCustomerMapAsync(CancellationToken cancellationToken)
    {
        var map = new StripeCustomerMap();
        foreach (var user in users.All)
        {
            map.Users[user.Id] = user.StripeCustomerId;
        }

        await store.PutAsync($"_system/stripe/{project}.json", System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(map), cancellationToken);
    }

    /// <summary>Every user's cost this month, from the rollups' daily per-user rows (the most expensive first).</summary>
    public async Task<IReadOnlyList<UserCost>> CostByUserAsync(CancellationToken cancellationToken)
    {
        var (from, to) = MonthOf(time.GetUtcNow());
        return await rollups.QueryAsync(project, DateOnly.FromDateTime(from.UtcDateTime), DateOnly.FromDateTime(to.UtcDateTime.AddDays(-1)), (connection, rollup) =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"""
                SELECT key, sum(requests)::BIGINT, sum(tokens_in + tokens_out)::BIGINT, CAST(sum(cost_usd) AS DECIMAL(38, 9))
                FROM {rollup}
                WHERE grain = 'day' AND dimension = 'user' AND bucket >= $from AND bucket < $to
                GROUP BY ALL ORDER BY 4 DESC, 1
                """;
            command.Parameters.Add(new DuckDBParameter("from", from));
            command.Parameters.Add(new DuckDBParameter("to", to));
            using var rows = command.ExecuteReader();
            var result = new List<UserCost>();
            while (rows.Read())
            {
                result.Add(new UserCost(rows.GetString(0), rows.GetInt64(1), rows.GetInt64(2), rows.GetDecimal(3)));
            }

            return (IReadOnlyList<UserCost>)result;
        }, cancellationToken);
    }

    /// <summary>The user's cost this month (rollups) and per conversation (events).</summary>
    public async Task<UserUsage> UsageAsync(ChatUser user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        var (from, to) = MonthOf(time.GetUtcNow());
        var invoice = await InvoiceAsync(user, from, cancellationToken);
        var conversations = await events.QueryAsync(project, DateOnly.FromDateTime(from.UtcDateTime), DateOnly.FromDateTime(to.UtcDateTime.AddDays(-1)), paths =>
        {
            var result = new List<ConversationCost>();
            if (paths.Count == 0)
            {
                return result;
            }

            // Every value is a bound parameter: the part paths ($files), the user and the month.
            // A DuckDB of the sample's own, in memory: it only reads the Parquet parts the backend listed.
            using var connection = new DuckDBConnection("DataSource=:memory:");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"""
                SELECT metadata['conversation_id'] AS conversation, count(*) FILTER (WHERE status <> 'blocked'), sum(tokens_in + tokens_out)::BIGINT,
                       CAST(coalesce(sum(cost_usd), 0) AS DECIMAL(38, 9))
                FROM {EventStore.DedupedRelation(paths)}
                WHERE user_id = $user AND ts >= $from AND ts < $to AND metadata['conversation_id'] IS NOT NULL
                GROUP BY 1 ORDER BY 4 DESC, 1
                """;
            command.Parameters.Add(new DuckDBParameter(EventStore.FilesParameter, paths.ToList()));
            command.Parameters.Add(new DuckDBParameter("user", user.Id));
            command.Parameters.Add(new DuckDBParameter("from", from));
            command.Parameters.Add(new DuckDBParameter("to", to));
            using var rows = command.ExecuteReader();
            while (rows.Read())
            {
                result.Add(new ConversationCost(rows.GetString(0), rows.GetInt64(1), rows.GetInt64(2), rows.GetDecimal(3)));
            }

            return result;
        }, cancellationToken);
        return new UserUsage(user.Id, user.Tier, invoice.Month, invoice.TotalUsd, conversations);
    }

    /// <summary>
    /// The user's invoice for the month containing <paramref name="month"/>: one line per UTC day from the rollups' daily
    /// per-user rows, and their total. Blocked calls are listed but cost nothing.
    /// </summary>
    public async Task<Invoice> InvoiceAsync(ChatUser user, DateTimeOffset month, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        var (from, to) = MonthOf(month);
        var lines = await rollups.QueryAsync(project, DateOnly.FromDateTime(from.UtcDateTime), DateOnly.FromDateTime(to.UtcDateTime.AddDays(-1)), (connection, rollup) =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"""
                SELECT bucket, sum(requests)::BIGINT, sum(blocked)::BIGINT, sum(tokens_in)::BIGINT, sum(tokens_out)::BIGINT, CAST(sum(cost_usd) AS DECIMAL(38, 9))
                FROM {rollup}
                WHERE grain = 'day' AND dimension = 'user' AND key = $user AND bucket >= $from AND bucket < $to
                GROUP BY ALL ORDER BY 1
                """;
            command.Parameters.Add(new DuckDBParameter("user", user.Id));
            command.Parameters.Add(new DuckDBParameter("from", from));
            command.Parameters.Add(new DuckDBParameter("to", to));
            using var rows = command.ExecuteReader();
            var lines = new List<InvoiceLine>();
            while (rows.Read())
            {
                lines.Add(new InvoiceLine(DateOnly.FromDateTime(rows.GetFieldValue<DateTimeOffset>(0).UtcDateTime), rows.GetInt64(1), rows.GetInt64(2), rows.GetInt64(3), rows.GetInt64(4), rows.GetDecimal(5)));
            }

            return lines;
        }, cancellationToken);
        var total = lines.Sum(l => l.CostUsd);
        return new Invoice(user.Id, user.Tier, user.StripeCustomerId, from.ToString("yyyy-MM", CultureInfo.InvariantCulture), lines, total, StripeMeterClient.ToMicroUsd(total));
    }

    /// <summary>
    /// Pushes usage to Stripe with the backend's <see cref="StripeSyncJob"/>: one meter event per customer and hour,
    /// value in micro-dollars, identifier <c>project:customer:hour</c> (a re-run never bills twice).
    /// </summary>
    /// <param name="closeCurrentHour">
    /// The job bills closed hours only (each hour 10 minutes after it ends, for late events), every hour at minute 15.
    /// True runs it as if the current hour had closed — what a demo or an end-of-month close needs; the hour's usage
    /// then cannot grow in Stripe afterwards (Stripe keeps the first event of an identifier).
    /// </param>
    public async Task<StripePush> PushToStripeAsync(bool closeCurrentHour, CancellationToken cancellationToken)
    {
        if (stripe is null || stripeOptions is null)
        {
            throw new InvalidOperationException("Stripe is not configured: set LensAI:Backend:Stripe:ApiKey and MeterEventName.");
        }

        var clock = closeCurrentHour ? new HourClosedClock(time) : time;
        var job = new StripeSyncJob(store, events, stripe, stripeOptions, clock, loggers.CreateLogger<StripeSyncJob>()) { Grace = closeCurrentHour ? TimeSpan.Zero : TimeSpan.FromMinutes(10) };
        var log = await job.SyncProjectAsync(project, cancellationToken);
        return new StripePush(stripeOptions.BaseUrl, log);
    }

    /// <summary>The calendar month (UTC) containing <paramref name="instant"/>.</summary>
    public static (DateTimeOffset From, DateTimeOffset To) MonthOf(DateTimeOffset instant)
    {
        var from = new DateTimeOffset(instant.UtcDateTime.Year, instant.UtcDateTime.Month, 1, 0, 0, 0, TimeSpan.Zero);
        return (from, from.AddMonths(1));
    }

    /// <summary>The real clock moved to the end of the current hour, so the Stripe sync sees this hour as closed.</summary>
    private sealed class HourClosedClock(TimeProvider inner) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow()
        {
            var now = inner.GetUtcNow();
            return new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerHour), TimeSpan.Zero).AddHours(1);
        }
    }
}
