using System.Diagnostics;
using LensAI.Backend.DuckDb;
using LensAI.Backend.Ingest;
using LensAI.Backend.Parquet;

namespace LensAI.Backend.Benchmarks;

/// <summary>Where ingest time goes, per stage, for one batch (single thread): the DuckDB part writer and the managed one side by side.</summary>
internal static class Profile
{
    public static void Run(byte[] json, int rounds)
    {
        var limits = new IngestLimits();
        var redactor = new PiiRedactor(new RedactionOptions());
        var now = DateTimeOffset.UtcNow;
        double read = 0, redact = 0, price = 0, append = 0, copy = 0, managed = 0;
        using var db = new DuckDbConnectionFactory();
        using var connection = db.Open();
        connection.Execute($"CREATE TEMP TABLE staging ({EventSchema.StagingColumns})");
        var file = Path.Combine(Path.GetTempPath(), "lensai-profile.parquet");
        long events = 0;
        for (var r = 0; r < rounds; r++)
        {
            var t = Stopwatch.GetTimestamp();
            var batch = EventBatchReader.Read(json, limits, now);
            read += Stopwatch.GetElapsedTime(t).TotalMilliseconds;
            t = Stopwatch.GetTimestamp();
            var clean = batch.Accepted.Select(e => redactor.Apply(e, out _)).ToList();
            redact += Stopwatch.GetElapsedTime(t).TotalMilliseconds;
            t = Stopwatch.GetTimestamp();
            foreach (var e in clean)
            {
                LensAI.Pricing.PriceCatalog.Default.TryCalculate(e.Provider, e.Model, e.Usage, out _, out _);
            }

            price += Stopwatch.GetElapsedTime(t).TotalMilliseconds;
            t = Stopwatch.GetTimestamp();
            connection.Execute("DELETE FROM staging");
            using (var a = connection.CreateAppender("staging"))
            {
                foreach (var e in clean)
                {
                    EventWriter.AppendRow(a, new StoredEvent(e, "load", 0.000123m, "v", "catalog", now));
                }
            }

            append += Stopwatch.GetElapsedTime(t).TotalMilliseconds;
            t = Stopwatch.GetTimestamp();
            connection.Execute(
                Environment.GetEnvironmentVariable("COPYSQL") is { } custom
                    ? custom.Replace("{select}", EventSchema.SelectStored, StringComparison.Ordinal).Replace("{file}", "$path", StringComparison.Ordinal)
                    : $"COPY (SELECT {EventSchema.SelectStored} FROM staging ORDER BY ts, event_id) TO $path (FORMAT PARQUET, COMPRESSION ZSTD)",
                ("path", file));
            copy += Stopwatch.GetElapsedTime(t).TotalMilliseconds;
            t = Stopwatch.GetTimestamp();
            using (var part = new MemoryStream())
            {
                ManagedPartWriter.WriteAsync(clean.Select(e => new StoredEvent(e, "load", 0.000123m, "v", "catalog", now)).ToList(), part, CancellationToken.None).GetAwaiter().GetResult();
            }

            managed += Stopwatch.GetElapsedTime(t).TotalMilliseconds;
            events += clean.Count;
        }

        double Per(double ms) => ms * 1000 / events; // µs per event
        var raw = Stopwatch.GetTimestamp();
        for (var r = 0; r < rounds; r++)
        {
            var reader = new System.Text.Json.Utf8JsonReader(json);
            while (reader.Read())
            {
            }
        }

        Console.WriteLine($"raw Utf8JsonReader pass: {Stopwatch.GetElapsedTime(raw).TotalMilliseconds * 1000 / events:0.00} µs per event ({json.Length / (double)(events / rounds):0} bytes each)");
        Console.WriteLine($"per event (µs): read {Per(read):0.00}  redact {Per(redact):0.00}  price {Per(price):0.00}  DuckDB append {Per(append):0.00} + COPY {Per(copy):0.00}  |  Parquet.Net part {Per(managed):0.00}");
    }
}

internal static class ProfileJson
{
    public const string Columns = "{event_id: 'VARCHAR', ts: 'TIMESTAMPTZ', project_id: 'VARCHAR', request_id: 'VARCHAR', user_id: 'VARCHAR', route: 'VARCHAR', provider: 'VARCHAR', model: 'VARCHAR', operation: 'VARCHAR', stream: 'BOOLEAN', tokens_in: 'INTEGER', tokens_out: 'INTEGER', tokens_cached_in: 'INTEGER', tokens_cache_write: 'INTEGER', tokens_cache_write_1h: 'INTEGER', tokens_reasoning: 'INTEGER', tokens_audio_in: 'INTEGER', tokens_audio_cached_in: 'INTEGER', tokens_audio_out: 'INTEGER', cost_usd: 'DECIMAL(18,9)', price_version: 'VARCHAR', service_tier: 'VARCHAR', usage_estimated: 'BOOLEAN', latency_ms: 'INTEGER', ttft_ms: 'INTEGER', status: 'VARCHAR', http_status: 'INTEGER', metadata: 'MAP(VARCHAR, VARCHAR)', sdk: 'VARCHAR', cost_source: 'VARCHAR', ingested_at: 'TIMESTAMPTZ'}";

    public static void Run(byte[] json, int rounds)
    {
        var limits = new IngestLimits();
        var now = DateTimeOffset.UtcNow;
        using var db = new DuckDbConnectionFactory();
        using var connection = db.Open();
        var nd = Path.Combine(Path.GetTempPath(), "lensai-profile.ndjson");
        var file = Path.Combine(Path.GetTempPath(), "lensai-profile2.parquet");
        double write = 0, copy = 0;
        long events = 0;
        var batch = EventBatchReader.Read(json, limits, now);
        for (var r = 0; r < rounds; r++)
        {
            var t = Stopwatch.GetTimestamp();
            using (var stream = new FileStream(nd, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            using (var w = new System.Text.Json.Utf8JsonWriter(stream, new System.Text.Json.JsonWriterOptions { SkipValidation = true }))
            {
                foreach (var e in batch.Accepted)
                {
                    w.WriteStartObject();
                    w.WriteString("event_id", e.EventId);
                    w.WriteString("ts", e.Timestamp);
                    w.WriteString("project_id", "load");
                    w.WriteString("request_id", e.RequestId);
                    w.WriteString("user_id", e.UserId);
                    w.WriteString("route", e.Route);
                    w.WriteString("provider", e.Provider);
                    w.WriteString("model", e.Model);
                    w.WriteString("operation", e.Operation);
                    w.WriteBoolean("stream", e.Stream);
                    w.WriteNumber("tokens_in", e.TokensIn);
                    w.WriteNumber("tokens_out", e.TokensOut);
                    w.WriteNumber("tokens_cached_in", e.TokensCachedIn);
                    w.WriteNumber("tokens_cache_write", e.TokensCacheWrite);
                    w.WriteNumber("tokens_cache_write_1h", e.TokensCacheWrite1h);
                    w.WriteNumber("tokens_reasoning", e.TokensReasoning);
                    w.WriteNumber("tokens_audio_in", e.TokensAudioIn);
                    w.WriteNumber("tokens_audio_cached_in", e.TokensAudioCachedIn);
                    w.WriteNumber("tokens_audio_out", e.TokensAudioOut);
                    w.WriteString("cost_usd", "0.000123456");
                    w.WriteString("price_version", "x");
                    w.WriteNull("service_tier");
                    w.WriteBoolean("usage_estimated", e.UsageEstimated);
                    w.WriteNumber("latency_ms", e.LatencyMs);
                    w.WriteNull("ttft_ms");
                    w.WriteString("status", "ok");
                    w.WriteNumber("http_status", 200);
                    w.WritePropertyName("metadata");
                    w.WriteStartObject();
                    foreach (var (k, v) in e.Metadata!)
                    {
                        w.WriteString(k, v);
                    }

                    w.WriteEndObject();
                    w.WriteString("sdk", e.Sdk);
                    w.WriteString("cost_source", "catalog");
                    w.WriteString("ingested_at", now);
                    w.WriteEndObject();
                    w.Flush();
                    stream.WriteByte((byte)'\n');
                    w.Reset(stream);
                }
            }

            write += Stopwatch.GetElapsedTime(t).TotalMilliseconds;
            t = Stopwatch.GetTimestamp();
            connection.Execute($"COPY (SELECT * FROM read_json($nd, format = 'newline_delimited', columns = {Columns}) ORDER BY ts, event_id) TO $path (FORMAT PARQUET, COMPRESSION ZSTD)", ("nd", nd), ("path", file));
            copy += Stopwatch.GetElapsedTime(t).TotalMilliseconds;
            events += batch.Accepted.Count;
        }

        Console.WriteLine($"ndjson path, per event (µs): write {write * 1000 / events:0.00}  copy {copy * 1000 / events:0.00}; rows: {connection.ScalarInt64("SELECT count(*) FROM read_parquet($path)", ("path", file))}");
        Console.WriteLine(connection.Query("SELECT CAST(cost_usd AS VARCHAR), CAST(metadata AS VARCHAR), CAST(ts AS VARCHAR) FROM read_parquet($path) LIMIT 1", r => $"{r.GetString(0)} {r.GetString(1)} {r.GetString(2)}", ("path", file)).First());
    }
}
