namespace LensAI.Backend.Rollups;

/// <summary>
/// Rollups: one row per (grain, bucket, dimension, key) — grains <c>hour</c> and <c>day</c>, dimensions <c>all</c>,
/// <c>model</c>, <c>user</c> and <c>route</c> — with every token kind, cost, unpriced and estimated calls, outcomes and latency / time-to-first-token
/// percentiles (computed from the events of that bucket, so they are exact), and log-scale histograms of both
/// (<c>latency_hist</c>, <c>ttft_hist</c>: <see cref="LatencyHistogram"/>) that merge over any range. Stored per
/// project and day at <c>rollups/project=&lt;id&gt;/dt=&lt;yyyy-MM-dd&gt;/rollup.parquet</c> (no partition segment may share a column name: DuckDB would let the path override the column).
/// </summary>
internal static class RollupSchema
{
    /// <summary>
    /// Version of the rollup columns, part of the signature a stored rollup records (<see cref="RollupJob"/>): a
    /// rollup written by an older version (e.g. without the histograms) no longer counts as current, so readers roll
    /// that day's raw events up instead and the next rollup run rewrites it.
    /// </summary>
    internal const int Version = 3;

    /// <summary>The SELECT that rolls a relation of (deduplicated) events up by hour.</summary>
    public static string RollupSelect(string events) => $"""
        WITH e AS (SELECT * FROM {events})
        {GrainSelect("e", "hour")}
        UNION ALL BY NAME
        {GrainSelect("e", "day")}
        """;

    /// <summary>
    /// One grain of the rollup: <c>hour</c> rows serve budget periods that start at any hour of a time zone;
    /// <c>day</c> rows (UTC days) make multi-day reports cheap — per-user and per-route rows are 24× fewer.
    /// <paramref name="grain"/> is one of those two words from the calls above, never outside text.
    /// </summary>
    private static string GrainSelect(string events, string grain) => $"""
        SELECT
          '{grain}' AS grain,
          date_trunc('{grain}', ts) AS bucket,
          CASE WHEN GROUPING(model) = 0 THEN 'model' WHEN GROUPING(user_id) = 0 THEN 'user' WHEN GROUPING(route) = 0 THEN 'route' ELSE 'all' END AS dimension,
          CASE WHEN GROUPING(model) = 0 THEN model WHEN GROUPING(user_id) = 0 THEN user_id WHEN GROUPING(route) = 0 THEN route END AS key,
          count(*)::BIGINT AS requests,
          sum(tokens_in)::BIGINT AS tokens_in,
          sum(tokens_out)::BIGINT AS tokens_out,
          sum(tokens_cached_in)::BIGINT AS tokens_cached_in,
          sum(tokens_cache_write)::BIGINT AS tokens_cache_write,
          sum(tokens_reasoning)::BIGINT AS tokens_reasoning,
          CAST(coalesce(sum(cost_usd), 0) AS DECIMAL(38, 9)) AS cost_usd,
          (count(*) - count(cost_usd))::BIGINT AS unpriced,
          count(*) FILTER (WHERE usage_estimated)::BIGINT AS estimated,
          count(*) FILTER (WHERE status = 'error')::BIGINT AS errors,
          count(*) FILTER (WHERE status = 'rate_limited')::BIGINT AS rate_limited,
          count(*) FILTER (WHERE status = 'blocked')::BIGINT AS blocked,
          quantile_cont(latency_ms, 0.50) AS latency_p50,
          quantile_cont(latency_ms, 0.95) AS latency_p95,
          quantile_cont(latency_ms, 0.99) AS latency_p99,
          quantile_cont(ttft_ms, 0.50) AS ttft_p50,
          quantile_cont(ttft_ms, 0.95) AS ttft_p95,
          quantile_cont(ttft_ms, 0.99) AS ttft_p99,
          {LatencyHistogram.Aggregate("latency_ms")} AS latency_hist,
          {LatencyHistogram.Aggregate("ttft_ms")} AS ttft_hist
        FROM {events}
        GROUP BY GROUPING SETS ((bucket), (bucket, model), (bucket, user_id), (bucket, route))
        """;

    /// <summary><c>rollups/project=&lt;id&gt;/dt=&lt;day&gt;/rollup.parquet</c></summary>
    public static string Key(string project, string day) => $"rollups/project={project}/dt={day}/rollup.parquet";
}
