using System.Diagnostics;
using LensAI.Backend.DuckDb;
using LensAI.Backend.Ingest;
using LensAI.Backend.Parquet;

namespace LensAI.Backend.Benchmarks;

/// <summary>
/// The part writer alone, on the same rows: DuckDB (appender into the staging table, then <c>COPY … TO</c> ZSTD Parquet,
/// exactly the ingest path's statements) against Parquet.Net 6.1.0's column writer (ZSTD, the same column types), for
/// parts of 100, 1k, 10k and 100k rows. Prints the median time per part, rows/s and the file size, and checks that
/// DuckDB reads the Parquet.Net file back with the same column types and the same values.
/// </summary>
internal static class WriterBenchmark
{
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
                await WriteManagedAsync(rows, netFile);
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
        // A filter on ts read straight from the file: DuckDB prunes row groups by the column's min/max statistics.
        long Recent(string f) => connection.ScalarInt64("SELECT count(*) FROM read_parquet($f) WHERE ts >= $since", ("f", f), ("since", DateTimeOffset.UtcNow.AddDays(-1)));
        string Stats(string f) => connection.Query("SELECT stats_min_value || ' .. ' || stats_max_value FROM parquet_metadata($f) WHERE path_in_schema = 'ts'", r => r.GetString(0), ("f", f)).Single();
        Console.WriteLine($"check: rows with ts in the last day, filter pushed into the scan: DuckDB file {Recent(duckFile)}, Parquet.Net file {Recent(netFile)}; ts statistics DuckDB {Stats(duckFile)}, Parquet.Net {Stats(netFile)}");
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }

    private static async Task WriteManagedAsync(List<StoredEvent> rows, string path)
    {
        await using var file = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16);
        await ManagedPartWriter.WriteAsync(rows, file, CancellationToken.None);
    }
}
