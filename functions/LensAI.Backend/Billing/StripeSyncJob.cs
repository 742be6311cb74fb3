using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using LensAI.Backend.DuckDb;
using LensAI.Backend.Jobs;
using LensAI.Backend.Parquet;
using LensAI.Backend.Storage;
using Microsoft.Extensions.Logging;

namespace LensAI.Backend.Billing;

/// <summary>
/// Hourly: pushes each customer's usage of every complete hour since the watermark to Stripe as Billing Meter Events
/// (value in micro-dollars of cost, or tokens). Each event's identifier is <c>project:customer:hour</c>, so a re-run
/// (after a crash, a timeout, or two instances racing) never bills twice: Stripe refuses an identifier it has seen.
/// The watermark only moves past hours whose events were all delivered (or refused with a 400, which is recorded).
/// </summary>
public sealed partial class StripeSyncJob(IObjectStore store, EventStore events, StripeMeterClient stripe, StripeOptions options, TimeProvider time, ILogger<StripeSyncJob> logger) : IBackendJob
{
    /// <summary>Events may arrive late (the SDK spools): an hour is billed this long after it ends.</summary>
    public TimeSpan Grace { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>On the first run, how far back to start.</summary>
    public TimeSpan FirstRunLookback { get; init; } = TimeSpan.FromDays(1);

    public JobDefinition Definition => JobRegistry.StripeSync;

    public async Task<JobResult> RunAsync(CancellationToken cancellationToken)
    {
        var log = new List<string>();
        var projects = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var o in store.ListAsync("_system/stripe/", cancellationToken).ConfigureAwait(false))
        {
            var name = o.Key["_system/stripe/".Length..];
            if (name.EndsWith(".json", StringComparison.Ordinal) && !name.Contains('-', StringComparison.Ordinal))
            {
                projects.Add(name[..^5]);
            }
        }

        foreach (var project in projects.Order(StringComparer.Ordinal))
        {
            log.AddRange(await SyncProjectAsync(project, cancellationToken).ConfigureAwait(false));
        }

        return new JobResult($"{log.Count(l => l.Contains("sent", StringComparison.Ordinal))} hour(s) synced", log);
    }

    public async Task<IReadOnlyList<string>> SyncProjectAsync(string project, CancellationToken cancellationToken)
    {
        var mapObject = await store.GetAsync($"_system/stripe/{project}.json", cancellationToken).ConfigureAwait(false);
        var map = mapObject is null ? new StripeCustomerMap() : JsonSerializer.Deserialize(mapObject.Content, StripeJsonContext.Default.StripeCustomerMap) ?? new StripeCustomerMap();
        var watermarkKey = $"_system/stripe/{project}-watermark.json";
        var stored = await store.GetAsync(watermarkKey, cancellationToken).ConfigureAwait(false);
        var watermark = stored is null ? null : JsonSerializer.Deserialize(stored.Content, StripeJsonContext.Default.StripeWatermark);
        var now = time.GetUtcNow();
        var until = Hour(now - Grace);
        var from = watermark?.Through ?? Hour(now - FirstRunLookback);
        var log = new List<string>();
        if (from >= until)
        {
            return log;
        }

        var usage = await UsageAsync(project, map, from, until, cancellationToken).ConfigureAwait(false);
        var through = from;
        var errors = new List<string>();
        foreach (var hourGroup in usage.GroupBy(u => u.Hour).OrderBy(g => g.Key))
        {
            var complete = true;
            foreach (var u in hourGroup)
            {
                var identifier = StripeMeterClient.CreateIdentifier(project, u.Customer, u.Hour);
                var result = await stripe.SendAsync(new StripeMeterEvent(u.Customer, u.Value, identifier, u.Hour), cancellationToken).ConfigureAwait(false);
                switch (result.Status)
                {
                    case MeterEventStatus.Delivered:
                        log.Add($"{project}: sent {identifier} = {u.Value}");
                        break;
                    case MeterEventStatus.Failed:
                        errors.Add(result.Message); // names the identifier, the customer and Stripe's own message
                        LogRefused(logger, project, identifier, u.Customer, result.Message);
                        break;
                    default:
                        complete = false; // retried on the next run; the identifier makes a re-send safe
                        log.Add($"{project}: {identifier} not delivered yet ({result.Message})");
                        break;
                }
            }

            if (!complete)
            {
                break;
            }

            through = hourGroup.Key.AddHours(1);
        }

        if (usage.All(u => u.Hour < through) || usage.Count == 0)
        {
            through = until; // every hour in range is done (hours without usage included)
        }

        if (through > from)
        {
            var next = new StripeWatermark(through, errors.Count > 0 ? errors : watermark?.LastErrors ?? []);
            if (await store.PutConditionalAsync(watermarkKey, JsonSerializer.SerializeToUtf8Bytes(next, StripeJsonContext.Default.StripeWatermark), stored?.ETag, cancellationToken).ConfigureAwait(false) is null)
            {
                log.Add($"{project}: watermark moved by another instance; nothing lost (identifiers are idempotent)");
            }
        }

        return log;
    }

    internal sealed record HourUsage(DateTimeOffset Hour, string Customer, long Value);

    private async Task<List<HourUsage>> UsageAsync(string project, StripeCustomerMap map, DateTimeOffset from, DateTimeOffset until, CancellationToken cancellationToken)
    {
        var tokens = options.ParsedValueUnit == StripeValueUnit.Tokens;
        return await events.QueryAsync(project, DateOnly.FromDateTime(from.UtcDateTime), DateOnly.FromDateTime(until.UtcDateTime), paths =>
        {
            var result = new List<HourUsage>();
            if (paths.Count == 0)
            {
                return result;
            }

            // Who pays for a row: the project's customer, else the user's mapped customer, else the metadata key's value
            // (all bound: customer ids, user ids and the key come from configuration and events).
            var value = tokens ? "sum(tokens_in + tokens_out)" : "sum(coalesce(cost_usd, 0))";
            var users = map.Users.ToList();
            using var connection = events.DuckDb.Open();
            result.AddRange(connection.Query(
                $"""
                SELECT date_trunc('hour', ts) AS hour,
                       coalesce($project_customer::VARCHAR, MAP($user_ids::VARCHAR[], $user_customers::VARCHAR[])[user_id], metadata[$payload_key]) AS customer,
                       CAST({value} AS DECIMAL(38, 9)) AS v
                FROM {EventStore.DedupedRelation(paths)}
                WHERE ts >= $from AND ts < $until
                GROUP BY 1, 2 HAVING customer IS NOT NULL ORDER BY hour, customer
                """,
                r => new HourUsage(r.GetFieldValue<DateTimeOffset>(0), r.GetString(1), tokens ? (long)r.GetDecimal(2) : StripeMeterClient.ToMicroUsd(r.GetDecimal(2))),
                EventStore.Files(paths),
                ("project_customer", map.ProjectCustomer),
                ("user_ids", users.Select(u => u.Key).ToList()),
                ("user_customers", users.Select(u => u.Value).ToList()),
                ("payload_key", options.CustomerPayloadKey),
                ("from", from),
                ("until", until)));
            return result;
        }, cancellationToken).ConfigureAwait(false);
    }

    private static DateTimeOffset Hour(DateTimeOffset t) => new(t.UtcTicks - (t.UtcTicks % TimeSpan.TicksPerHour), TimeSpan.Zero);

    [LoggerMessage(1, LogLevel.Error, "Stripe refused meter event {Identifier} of project {Project} for customer {Customer}: {Message}")]
    private static partial void LogRefused(ILogger logger, string project, string identifier, string customer, string message);
}
