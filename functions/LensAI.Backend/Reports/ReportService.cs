using System.Globalization;
using System.Text.Json.Serialization;
using LensAI.Backend.Budgets;
using LensAI.Backend.Parquet;
using LensAI.Backend.Rollups;
using LensAI.Budgets;

namespace LensAI.Backend.Reports;

/// <summary>
/// One row of a breakdown (by model, user or route). Over a range, <c>latency_p50</c> is the request-weighted mean of
/// the buckets' medians and <c>latency_p95</c> the highest bucket p95 (an upper bound); per bucket they are exact.
/// </summary>
public sealed record ReportRow(
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("requests")] long Requests,
    [property: JsonPropertyName("tokens_in")] long TokensIn,
    [property: JsonPropertyName("tokens_out")] long TokensOut,
    [property: JsonPropertyName("cost_usd")] decimal CostUsd,
    [property: JsonPropertyName("unpriced")] long Unpriced,
    [property: JsonPropertyName("errors")] long Errors,
    [property: JsonPropertyName("latency_p50")] double? LatencyP50,
    [property: JsonPropertyName("latency_p95")] double? LatencyP95);

/// <summary>A point of a time series: cost of one key in one bucket.</summary>
public sealed record CostPoint(
    [property: JsonPropertyName("bucket")] DateTimeOffset Bucket,
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("cost_usd")] decimal CostUsd);

/// <summary>Latency percentiles of one bucket.</summary>
public sealed record LatencyPoint(
    [property: JsonPropertyName("bucket")] DateTimeOffset Bucket,
    [property: JsonPropertyName("requests")] long Requests,
    [property: JsonPropertyName("p50")] double? P50,
    [property: JsonPropertyName("p95")] double? P95,
    [property: JsonPropertyName("ttft_p50")] double? TtftP50);

/// <summary>A budget's state with its end-of-period projection.</summary>
public sealed record BudgetGauge(
    [property: JsonPropertyName("budget_id")] string BudgetId,
    [property: JsonPropertyName("scope")] string Scope,
    [property: JsonPropertyName("scope_value")] string? ScopeValue,
    [property: JsonPropertyName("period")] string Period,
    [property: JsonPropertyName("period_end")] DateTimeOffset PeriodEnd,
    [property: JsonPropertyName("limit_usd")] decimal LimitUsd,
    [property: JsonPropertyName("spent_usd")] decimal SpentUsd,
    [property: JsonPropertyName("forecast_usd")] decimal ForecastUsd,
    [property: JsonPropertyName("blocked")] bool Blocked);

/// <summary>Everything the report and the dashboard show for a project and a range.</summary>
public sealed record ProjectReport(
    [property: JsonPropertyName("project")] string Project,
    [property: JsonPropertyName("from")] DateTimeOffset From,
    [property: JsonPropertyName("to")] DateTimeOffset To,
    [property: JsonPropertyName("grain")] string Grain,
    [property: JsonPropertyName("totals")] ReportRow Totals,
    [property: JsonPropertyName("by_model")] IReadOnlyList<ReportRow> ByModel,
    [property: JsonPropertyName("by_user")] IReadOnlyList<ReportRow> ByUser,
    [property: JsonPropertyName("by_route")] IReadOnlyList<ReportRow> ByRoute,
    [property: JsonPropertyName("cost_over_time")] IReadOnlyList<CostPoint> CostOverTime,
    [property: JsonPropertyName("latency_over_time")] IReadOnlyList<LatencyPoint> LatencyOverTime,
    [property: JsonPropertyName("budgets")] IReadOnlyList<BudgetGauge> Budgets,
    [property: JsonPropertyName("unpriced_models")] IReadOnlyList<string> UnpricedModels);

/// <summary>
/// Builds a project's report from the rollups (plus the raw events not rolled up yet): totals, breakdowns by model,
/// user and route with latency percentiles, cost over time by model, latency over time, budget gauges with a linear
/// end-of-period forecast, and the models the catalogue could not price. The CLI's <c>report</c> and the dashboard
/// both use it.
/// </summary>
public sealed class ReportService(RollupReader rollups, BudgetStore budgets, TimeProvider time)
{
    public async Task<ProjectReport> BuildAsync(string project, DateTimeOffset from, DateTimeOffset to, int top = 10, CancellationToken cancellationToken = default)
    {
        if (to <= from)
        {
            throw new ArgumentException("'to' must be after 'from'.");
        }

        var grain = to - from > TimeSpan.FromDays(2) ? "day" : "hour";
        var window = $"bucket >= {Lit(from)} AND bucket < {Lit(to)}";
        var report = await rollups.QueryAsync(project, DateOnly.FromDateTime(from.UtcDateTime), DateOnly.FromDateTime(to.UtcDateTime), (connection, rollup) =>
        {
            List<ReportRow> Breakdown(string dimension, int? limit)
            {
                using var rows = connection.Query($"""
                    SELECT coalesce(key, '(none)'), sum(requests)::BIGINT, sum(tokens_in)::BIGINT, sum(tokens_out)::BIGINT,
                           CAST(sum(cost_usd) AS DECIMAL(38, 9)), sum(unpriced)::BIGINT, sum(errors)::BIGINT,
                           CAST(sum(latency_p50 * requests) / sum(requests) AS DOUBLE), CAST(max(latency_p95) AS DOUBLE)
                    FROM {rollup} WHERE grain = '{grain}' AND dimension = '{dimension}' AND {window}
                    GROUP BY ALL ORDER BY 5 DESC, 2 DESC {(limit is { } l ? "LIMIT " + l.ToString(CultureInfo.InvariantCulture) : "")}
                    """);
                return rows.Rows.Select(r => new ReportRow(r.GetString(0)!, r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetDecimal(4), r.GetInt64(5), r.GetInt64(6),
                    r.IsNull(7) ? null : r.GetDouble(7), r.IsNull(8) ? null : r.GetDouble(8))).ToList();
            }

            var totals = Breakdown("all", null);
            var total = totals.Count == 0
                ? new ReportRow("all", 0, 0, 0, 0m, 0, 0, null, null)
                : new ReportRow("all", totals.Sum(t => t.Requests), totals.Sum(t => t.TokensIn), totals.Sum(t => t.TokensOut), totals.Sum(t => t.CostUsd), totals.Sum(t => t.Unpriced), totals.Sum(t => t.Errors), totals[0].LatencyP50, totals.Max(t => t.LatencyP95));
            var byModel = Breakdown("model", null);
            using var costRows = connection.Query($"""
                SELECT bucket, coalesce(key, '(none)'), CAST(sum(cost_usd) AS DECIMAL(38, 9))
                FROM {rollup} WHERE grain = '{grain}' AND dimension = 'model' AND {window} GROUP BY ALL ORDER BY 1, 2
                """);
            var cost = costRows.Rows.Select(r => new CostPoint(r.GetDateTimeOffset(0), r.GetString(1)!, r.GetDecimal(2))).ToList();
            using var latencyRows = connection.Query($"""
                SELECT bucket, requests, latency_p50, latency_p95, ttft_p50
                FROM {rollup} WHERE grain = '{grain}' AND dimension = 'all' AND {window} ORDER BY 1
                """);
            var latency = latencyRows.Rows.Select(r => new LatencyPoint(r.GetDateTimeOffset(0), r.GetInt64(1),
                r.IsNull(2) ? null : r.GetDouble(2), r.IsNull(3) ? null : r.GetDouble(3), r.IsNull(4) ? null : r.GetDouble(4))).ToList();
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
        var now = time.GetUtcNow();
        return document?.Budgets.Select(b =>
        {
            var elapsed = (now - b.PeriodStart).Ticks;
            var length = (b.PeriodEnd - b.PeriodStart).Ticks;
            var forecast = elapsed <= 0 ? b.SpentUsd : decimal.Round(b.SpentUsd * (decimal)Math.Max(1, length / (double)elapsed), 2);
            return new BudgetGauge(b.BudgetId, b.Scope, b.ScopeValue, b.Period, b.PeriodEnd, b.LimitUsd, b.SpentUsd, forecast, b.Blocked);
        }).ToList() ?? [];
    }

    private static string Lit(DateTimeOffset instant) => Sql.Literal(instant.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + "+00") + "::TIMESTAMPTZ";
}

[JsonSerializable(typeof(ProjectReport))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
public sealed partial class ReportJsonContext : JsonSerializerContext;
