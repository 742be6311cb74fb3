using DuckDB.NET.Data;
using LensAI.Backend.DuckDb;

namespace LensAI.Backend.Benchmarks;

/// <summary>Synthetic stored events (12 models, 40 routes, a given number of users), written by DuckDB straight into one Parquet part.</summary>
internal static class SyntheticEvents
{
    /// <summary>
    /// Writes <paramref name="count"/> events spread evenly over [<paramref name="from"/>, <paramref name="from"/> + <paramref name="span"/>),
    /// all stamped <paramref name="ingestedAt"/>, with ids <c>&lt;idPrefix&gt;-&lt;i&gt;</c>, to <paramref name="path"/>.
    /// </summary>
    public static void Write(DuckDBConnection connection, string path, string project, string idPrefix, DateTimeOffset from, TimeSpan span, long count, DateTimeOffset ingestedAt, int users)
        => connection.Execute(
            """
            COPY (
              SELECT
                $prefix || '-' || i::VARCHAR AS event_id,
                $from::TIMESTAMPTZ + to_microseconds((i * $span // $n)::BIGINT) AS ts,
                $project AS project_id, NULL::VARCHAR AS request_id,
                'user-' || (hash(i) % $users)::VARCHAR AS user_id,
                'POST /route-' || (hash(i * 7) % 40)::VARCHAR AS route,
                'openai' AS provider,
                'model-' || (hash(i * 13) % 12)::VARCHAR AS model,
                'chat' AS operation, (i % 5 = 0) AS stream,
                (500 + hash(i) % 4000)::INTEGER AS tokens_in, (50 + hash(i * 3) % 800)::INTEGER AS tokens_out,
                (hash(i) % 400)::INTEGER AS tokens_cached_in, 0 AS tokens_cache_write, 0 AS tokens_cache_write_1h, (hash(i) % 50)::INTEGER AS tokens_reasoning,
                CAST((hash(i) % 100000) / 1e8 AS DECIMAL(18, 9)) AS cost_usd, 'v' AS price_version,
                (100 + hash(i * 5) % 3000)::INTEGER AS latency_ms, CASE WHEN i % 5 = 0 THEN (50 + hash(i) % 500)::INTEGER END AS ttft_ms,
                CASE WHEN i % 97 = 0 THEN 'error' WHEN i % 89 = 0 THEN 'rate_limited' ELSE 'ok' END AS status, 200 AS http_status,
                map(['tier'], ['pro']) AS metadata, 'bench' AS sdk, 'catalog' AS cost_source,
                $ingested::TIMESTAMPTZ AS ingested_at
              FROM range($n) t(i)
            ) TO $path (FORMAT PARQUET, COMPRESSION ZSTD, ROW_GROUP_SIZE 122880)
            """,
            ("prefix", idPrefix),
            ("from", from),
            ("span", span.Ticks / 10),
            ("project", project),
            ("users", users),
            ("n", count),
            ("ingested", ingestedAt),
            ("path", path));
}
