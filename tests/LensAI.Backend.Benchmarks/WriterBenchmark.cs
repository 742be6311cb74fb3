using System.Diagnostics;
using LensAI.Backend.DuckDb;
using LensAI.Backend.Ingest;
using LensAI.Backend.Parquet;
using Parquet;
using Parquet.Schema;

namespace LensAI.Backend.Benchmarks;

/// <summary>
/// The part writer alone, on the same rows: DuckDB (appender into the staging table, then <c>COPY … TO</c> ZSTD Parquet,
/// exactly the ingest path's statements) against Parquet.Net 6.1.0's column writer (ZSTD, the same column types), for
/// parts of 100, 1k, 10k and 100k rows. Prints the median time per part, rows/s and the file size, and checks that
/// DuckDB reads the Parquet.Net file back with the same column types and the same values.
/// </summary>
internal static class WriterBenchmark
{
    private static readonly DateTimeDataField s_ts = new("ts", DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Micros, isNullable: false);
    private static readonly DateTimeDataField s_ingestedAt = new("ingested_at", DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Micros, isNullable: false);
    private static readonly DecimalDataField s_cost = new("cost_usd", 18, 9, isNullable: true);
    private static readonly MapField s_metadata = new("metadata", new DataField<string>("key", false), new DataField<string>("value", true));

    private static readonly ParquetSchema s_schema = new(
        new DataField<string>("event_id", false), s_ts, new DataField<string>("project_id", false), new DataField<string>("request_id", true),
        new DataField<string>("user_id", true), new DataField<string>("route", true), new DataField<string>("provider", false),
        new DataField<string>("model", false), new DataField<string>("operation", false), new DataField<bool>("stream", false),
        new DataField<int>("tokens_in", false), new DataField<int>("tokens_out", false), new DataField<int>("tokens_cached_in", false),
        new DataField<int>("tokens_cache_write", false), new DataField<int>("tokens_cache_write_1h", false), new DataField<int>("tokens_reasoning", false),
        s_cost, new DataField<string>("price_version", true), new DataField<int>("latency_ms", false), new DataField<int?>("ttft_ms", true),
        new DataField<string>("status", false), new DataField<int?>("http_status", true), s_metadata, new DataField<string>("sdk", false),
        new DataField<string>("cost_source", true), s_ingestedAt);

    public static async Task RunAsync(byte[] json)
    {
        var now = DateTimeOffset.UtcNow;
        var read = EventBatchReader.Read(json, new IngestLimits(), now);
        var template = read.Accepted.Select(e => new StoredEvent(e, "load", 0.000123456m, "2026-11-01", "catalog", now)).ToList();
        using var db = new DuckDbConnectionFactory();
        using var connection = db.Open();
        connection.Execute($"CREATE TEMP TABLE staging ({EventSchema.StagingColumns})");
        var dir = Path.Combine(Path.GetTempPath(), "lensai-writer-bench-" + Environment.ProcessId);
        Directory.CreateDirectory(dir);
        var options = new ParquetOptions { CompressionMethod = CompressionMethod.Zstd, CompressionLevel = System.IO.Compression.CompressionLevel.Fastest };
        Console.WriteLine($"writer alone, ZSTD, {EventSchema.Columns.Length} columns, median per part (DuckDB {db.Version}, Parquet.Net 6.1.0)");
        foreach (var size in new[] { 100, 1_000, 10_000, 100_000 })
        {
            var rows = Enumerable.Range(0, size).Select(i => template[i % template.Count] with { Event = template[i % template.Count].Event with { EventId = "e" + i } }).ToList();
            var rounds = size switch { 100 => 300, 1_000 => 60, 10_000 => 12, _ => 4 };
            var duck = new List<double>();
            var managed = new List<double>();
            var duckFile = Path.Combine(dir, "duck.parquet");
            var netFile = Path.Combine(dir, "net.parquet");
            for (var r = 0; r < rounds; r++)
            {
                // Alternate so both see the same machine load.
                var t = Stopwatch.GetTimestamp();
                connection.Execute("DELETE FROM staging");
                using (var appender = connection.CreateAppender("staging"))
                {
                    foreach (var row in rows)
                    {
                        EventWriter.AppendRow(appender, row);
                    }
                }

                connection.Execute($"COPY (SELECT {EventSchema.SelectStored} FROM staging) TO $path (FORMAT PARQUET, COMPRESSION ZSTD)", ("path", duckFile));
                duck.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);

                t = Stopwatch.GetTimestamp();
                await WriteManagedAsync(rows, netFile, options);
                managed.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            }

            var d = Median(duck);
            var m = Median(managed);
            Console.WriteLine($"{size,7:N0} rows: DuckDB {d,8:0.00} ms ({size / d * 1000,9:N0} rows/s, {new FileInfo(duckFile).Length,9:N0} B)   Parquet.Net {m,8:0.00} ms ({size / m * 1000,9:N0} rows/s, {new FileInfo(netFile).Length,9:N0} B)   ratio {d / m:0.0}×");
            if (size == 1_000)
            {
                Check(connection, duckFile, netFile);
            }
        }

        Directory.Delete(dir, recursive: true);
    }

    private static void Check(DuckDB.NET.Data.DuckDBConnection connection, string duckFile, string netFile)
    {
        string Types(string f) => string.Join(", ", connection.Query("SELECT column_name || ' ' || column_type FROM (DESCRIBE SELECT * FROM read_parquet($f))", r => r.GetString(0), ("f", f)));
        var same = Types(duckFile) == Types(netFile);
        var diff = connection.ScalarInt64("SELECT count(*) FROM ((SELECT * FROM read_parquet($a) EXCEPT ALL SELECT * FROM read_parquet($b)) UNION ALL (SELECT * FROM read_parquet($b) EXCEPT ALL SELECT * FROM read_parquet($a)))", ("a", duckFile), ("b", netFile));
        Console.WriteLine($"check: column types {(same ? "identical" : "DIFFER:\n  duckdb " + Types(duckFile) + "\n  net    " + Types(netFile))}; rows differing {diff}");
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }

    private static async Task WriteManagedAsync(List<StoredEvent> rows, string path, ParquetOptions options)
    {
        var n = rows.Count;
        var fields = s_schema.GetDataFields();
        await using var file = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16);
        await using var writer = await ParquetWriter.CreateAsync(s_schema, file, options);
        using var group = writer.CreateRowGroup();
        string?[] S(Func<StoredEvent, string?> get)
        {
            var a = new string?[n];
            for (var i = 0; i < n; i++)
            {
                a[i] = get(rows[i]);
            }

            return a;
        }

        T[] V<T>(Func<StoredEvent, T> get)
        {
            var a = new T[n];
            for (var i = 0; i < n; i++)
            {
                a[i] = get(rows[i]);
            }

            return a;
        }

        var f = 0;
        await group.WriteAsync(fields[f++], S(r => r.Event.EventId));
        await group.WriteAsync<DateTime>(fields[f++], V(r => r.Event.Timestamp.UtcDateTime));
        await group.WriteAsync(fields[f++], S(r => r.Project));
        await group.WriteAsync(fields[f++], S(r => r.Event.RequestId));
        await group.WriteAsync(fields[f++], S(r => r.Event.UserId));
        await group.WriteAsync(fields[f++], S(r => r.Event.Route));
        await group.WriteAsync(fields[f++], S(r => r.Event.Provider));
        await group.WriteAsync(fields[f++], S(r => r.Event.Model));
        await group.WriteAsync(fields[f++], S(r => r.Event.Operation));
        await group.WriteAsync<bool>(fields[f++], V(r => r.Event.Stream));
        await group.WriteAsync<int>(fields[f++], V(r => r.Event.TokensIn));
        await group.WriteAsync<int>(fields[f++], V(r => r.Event.TokensOut));
        await group.WriteAsync<int>(fields[f++], V(r => r.Event.TokensCachedIn));
        await group.WriteAsync<int>(fields[f++], V(r => r.Event.TokensCacheWrite));
        await group.WriteAsync<int>(fields[f++], V(r => r.Event.TokensCacheWrite1h));
        await group.WriteAsync<int>(fields[f++], V(r => r.Event.TokensReasoning));
        await group.WriteAsync<decimal>(fields[f++], V<decimal?>(r => r.CostUsd is { } c ? decimal.Round(c, 9, MidpointRounding.AwayFromZero) : null).AsMemory());
        await group.WriteAsync(fields[f++], S(r => r.PriceVersion));
        await group.WriteAsync<int>(fields[f++], V(r => r.Event.LatencyMs));
        await group.WriteAsync<int>(fields[f++], V(r => r.Event.TtftMs).AsMemory());
        await group.WriteAsync(fields[f++], S(r => r.Event.Status.ToWireName()));
        await group.WriteAsync<int>(fields[f++], V(r => r.Event.HttpStatus).AsMemory());

        // The map: one key and one value per entry, repetition level 0 on a row's first entry and 1 on the rest.
        var keys = new List<string?>(n * 2);
        var values = new List<string?>(n * 2);
        var levels = new List<int>(n * 2);
        foreach (var row in rows)
        {
            if (row.Event.Metadata is not { Count: > 0 } metadata)
            {
                keys.Add(null);
                values.Add(null);
                levels.Add(0);
                continue;
            }

            var first = true;
            foreach (var (k, v) in metadata)
            {
                keys.Add(k);
                values.Add(v);
                levels.Add(first ? 0 : 1);
                first = false;
            }
        }

        var rep = levels.ToArray();
        await group.WriteAsync(fields[f++], keys, rep);
        await group.WriteAsync(fields[f++], values, rep);
        await group.WriteAsync(fields[f++], S(r => r.Event.Sdk));
        await group.WriteAsync(fields[f++], S(r => r.CostSource));
        await group.WriteAsync<DateTime>(fields[f++], V(r => r.IngestedAt.UtcDateTime));
    }
}
