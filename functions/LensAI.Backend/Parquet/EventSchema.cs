namespace LensAI.Backend.Parquet;

/// <summary>The Parquet layout of stored events: DESIGN.md's contract, in its order, plus two backend columns.</summary>
public static class EventSchema
{
    /// <summary>Staging table columns (metadata as JSON text; it becomes MAP(VARCHAR, VARCHAR) in the Parquet file).</summary>
    public const string StagingColumns = """
        event_id VARCHAR NOT NULL,
        ts TIMESTAMPTZ NOT NULL,
        project_id VARCHAR NOT NULL,
        request_id VARCHAR,
        user_id VARCHAR,
        route VARCHAR,
        provider VARCHAR NOT NULL,
        model VARCHAR NOT NULL,
        operation VARCHAR NOT NULL,
        stream BOOLEAN NOT NULL,
        tokens_in INTEGER NOT NULL,
        tokens_out INTEGER NOT NULL,
        tokens_cached_in INTEGER NOT NULL,
        tokens_cache_write INTEGER NOT NULL,
        tokens_cache_write_1h INTEGER NOT NULL,
        tokens_reasoning INTEGER NOT NULL,
        cost_usd DECIMAL(18,9),
        price_version VARCHAR,
        latency_ms INTEGER NOT NULL,
        ttft_ms INTEGER,
        status VARCHAR NOT NULL,
        http_status INTEGER,
        metadata_json VARCHAR,
        sdk VARCHAR NOT NULL,
        cost_source VARCHAR,
        ingested_at TIMESTAMPTZ NOT NULL
        """;

    /// <summary>The SELECT list that turns the staging table into the stored layout.</summary>
    public const string SelectStored = """
        event_id, ts, project_id, request_id, user_id, route, provider, model, operation, stream,
        tokens_in, tokens_out, tokens_cached_in, tokens_cache_write, tokens_cache_write_1h, tokens_reasoning,
        cost_usd, price_version, latency_ms, ttft_ms, status, http_status,
        CASE WHEN metadata_json IS NULL THEN NULL ELSE CAST(metadata_json::JSON AS MAP(VARCHAR, VARCHAR)) END AS metadata,
        sdk, cost_source, ingested_at
        """;

    /// <summary>Every stored column, in order.</summary>
    public static readonly string[] Columns =
    [
        "event_id", "ts", "project_id", "request_id", "user_id", "route", "provider", "model", "operation", "stream",
        "tokens_in", "tokens_out", "tokens_cached_in", "tokens_cache_write", "tokens_cache_write_1h", "tokens_reasoning",
        "cost_usd", "price_version", "latency_ms", "ttft_ms", "status", "http_status", "metadata", "sdk", "cost_source", "ingested_at",
    ];

    /// <summary><c>events/project=&lt;id&gt;/dt=&lt;yyyy-MM-dd&gt;/</c></summary>
    public static string PartitionPrefix(string project, DateOnly day)
        => $"events/project={project}/dt={day:yyyy'-'MM'-'dd}/";
}
