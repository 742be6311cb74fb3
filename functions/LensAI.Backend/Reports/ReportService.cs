using System.Globalization;
using System.Text.Json.Serialization;
using LensAI.Backend.Budgets;
using LensAI.Backend.DuckDb;
using LensAI.Backend.Rollups;
using LensAI.Budgets;

namespace LensAI.Backend.Reports;

/// <summary>
/// Builds a project's report from the rollups (plus the raw events not rolled up yet): totals, breakdowns by model,
/// user and route with latency percentiles and the calls estimated or unpriced, cost over time by model, latency over
/// time, budget gauges with a linear end-of-period forecast, and the models the catalogue could not price. The CLI's <c>report</c> and the dashboard
/// both use it.
/// </summary>
internal sealed class ReportService(RollupReader rollups, BudgetStore budgets, TimeProvider time)
{
    /// <summary>
    /// Builds the report of the buckets that start in [<paramref name="from"/>, <paramref name="to"/>): hours up to two
    /// days, UTC days beyond. <paramref name="from"/> is aligned down to the start of its bucket (the report's
    /// <c>from</c> is the aligned one), so a range of "the last 7 days" counts all of its first day whichever client
    /// asks and whatever the time of day.
    /// </summary>
    public async Task<ProjectReport> BuildAsync(string project, DateTimeOffset from, DateTimeOffset to, int top = 10, CancellationToken cancellationToken = default)
    {
        if (to <= from)
        {
            throw new ArgumentException("'to' must be after 'from'.");
        }

        var grain = to - from > TimeSpan.FromDays(2) ? "day" : "hour";
        from = AlignDown(from, grain);
        var report = await rollups.QueryAsync(project, DateOnly.FromDateTime(from.UtcDateTime), DateOnly.FromDateTime(to.UtcDateTime), (connection, rollup) =>
        {
            // Every query: the rows of one grain in [from, to).
            var window = $"FROM {rollup} WHERE grain = $grain AND bucket >= $from AND bucket < $to";
            (string, object?)[] range = [("grain", grain), ("from", from), ("to", to)];

            List<ReportRow> Breakdown(string dimension, int? limit)
            {
                var breakdown = connection.Query(
                    $"""
                    SELECT coalesce(key, '(none)'), sum(requests)::BIGINT, sum(tokens_in)::BIGINT, sum(tokens_out)::BIGINT,
                           CAST(sum(cost_usd) AS DECIMAL(38, 9)), sum(unpriced)::BIGINT, sum(errors)::BIGINT, sum(estimated)::BIGINT
                    {window} AND dimension = $dimension
                    GROUP BY ALL ORDER BY 5 DESC, 2 DESC LIMIT $limit
                    """,
                    r => new ReportRow(r.GetString(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetDecimal(4), r.GetInt64(5), r.GetInt64(6), null, null) { Estimated = r.GetInt64(7) },
                    [.. range, ("dimension", dimension), ("limit", limit is { } l ? (long)l : long.MaxValue)]);
                if (breakdown.Count == 0)
                {
                    return breakdown;
                }

                // Percentiles over the range: the rows' latency histograms merged (bucket counts summed), not an
                // average of per-bucket percentiles (see LatencyHistogram for the error bound).
                var counts = connection.Query(
                    $"""
                    SELECT k, b::BIGINT, sum(n)::BIGINT FROM (
                      SELECT coalesce(key, '(none)') AS k, unnest(map_keys(latency_hist)) AS b, unnest(map_values(latency_hist)) AS n
                      {window} AND dimension = $dimension AND list_contains($keys::VARCHAR[], coalesce(key, '(none)')))
                    GROUP BY ALL
                    """,
                    r => (Key: r.GetString(0), Bucket: (int)r.GetInt64(1), Count: r.GetInt64(2)),
                    [.. range, ("dimension", dimension), ("keys", breakdown.Select(r => r.Key).ToList())])
                    .ToLookup(c => c.Key, c => (c.Bucket, c.Count), StringComparer.Ordinal);
                return breakdown.Select(r => r with
                {
                    LatencyP50 = LatencyHistogram.Quantile(counts[r.Key], 0.50),
                    LatencyP95 = LatencyHistogram.Quantile(counts[r.Key], 0.95),
                }).ToList();
            }

            var totals = Breakdown("all", null);
            var total = totals.Count == 0 ? new ReportRow("all", 0, 0, 0, 0m, 0, 0, null, null) : totals[0] with { Key = "all" };
            var byModel = Breakdown("model", null);
            var cost = connection.Query(
                $"SELECT bucket, coalesce(key, '(none)'), CAST(sum(cost_usd) AS DECIMAL(38, 9)) {window} AND dimension = 'model' GROUP BY ALL ORDER BY 1, 2",
                r => new CostPoint(r.GetFieldValue<DateTimeOffset>(0), r.GetString(1), r.GetDecimal(2)),
                range);
            var latency = connection.Query(
                $"SELECT bucket, requests, latency_p50, latency_p95, ttft_p50 {window} AND dimension = 'all' ORDER BY 1",
                r => new LatencyPoint(r.GetFieldValue<DateTimeOffset>(0), r.GetInt64(1), NullableDouble(r, 2), NullableDouble(r, 3), NullableDouble(r, 4)),
                range);
            return new ProjectReport(project, from, to, grain, total, byModel, Breakdown("user", top), Breakdown("route", top), cost, latency, [],
                byModel.Where(m => m.Unpriced > 0).Select(m => m.Key).ToList());
        }, cancellationToken).ConfigureAwait(false);

        return report with { Budgets = await GaugesAsync(project, cancellationToken).ConfigureAwait(false) };
    }

    private async Task<IReadOnlyList<BudgetGauge>> GaugesAsync(string project, CancellationToken cancellationToken)
    {
        var stored = await budgets.GetStatusAsync(project, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            return [];
        }

        var document = System.Text.Json.JsonSerializer.Deserialize(stored.Content, BudgetStatusJsonContext.Default.BudgetStatusDocument);
        // The forecast as of the current minute: a report asked for twice within a minute is the same, so its ETag can answer 304.
        var now = time.GetUtcNow();
        now = new DateTimeOffset(now.Ticks - now.Ticks % TimeSpan.TicksPerMinute, TimeSpan.Zero);
        return document?.Budgets.Select(b =>
        {
            return new BudgetGauge(b.BudgetId, b.Scope, b.ScopeValue, b.Period, b.PeriodEnd, b.LimitUsd, b.SpentUsd, Forecast(b.SpentUsd, b.PeriodStart, b.PeriodEnd, now), b.Blocked);
        }).ToList() ?? [];
    }

    /// <summary>
    /// Linear end-of-period projection of a spend: spent × period length ÷ elapsed time, to 6 decimals (rounding to
    /// cents would turn a spend under $0.005 into a $0.00 forecast), and never below what is already spent.
    /// </summary>
    internal static decimal Forecast(decimal spent, DateTimeOffset periodStart, DateTimeOffset periodEnd, DateTimeOffset now)
    {
        var elapsed = (now - periodStart).Ticks;
        var length = (periodEnd - periodStart).Ticks;
        if (elapsed <= 0 || elapsed >= length)
        {
            return spent;
        }

        return Math.Max(spent, decimal.Round(spent * length / elapsed, 6, MidpointRounding.AwayFromZero));
    }

    /// <summary>The start of the report bucket (UTC hour or day) holding <paramref name="instant"/>.</summary>
    internal static DateTimeOffset AlignDown(DateTimeOffset instant, string grain)
    {
        var utc = instant.ToUniversalTime();
        return grain == "day"
            ? new DateTimeOffset(utc.Year, utc.Month, utc.Day, 0, 0, 0, TimeSpan.Zero)
            : new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, TimeSpan.Zero);
    }

    private static double? NullableDouble(System.Data.Common.DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetDouble(ordinal);
}
