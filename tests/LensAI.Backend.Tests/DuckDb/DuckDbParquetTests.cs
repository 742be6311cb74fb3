using DuckDB.NET.Data;
using LensAI.Backend.DuckDb;

namespace LensAI.Backend.Tests.DuckDb;

/// <summary>What the backend relies on DuckDB for with Parquet: ZSTD round trips, MAP metadata, typed Hive partitions, list parameters for <c>read_parquet</c>.</summary>
public sealed class DuckDbParquetTests : IDisposable
{
    private readonly DuckDbTempFolder _folder = new();
    private readonly DuckDbConnectionFactory _duckDb = new();
    private readonly DuckDBConnection _connection;

    public DuckDbParquetTests()
    {
        _connection = _duckDb.Open();
        _connection.Execute("""
            CREATE TABLE events (
                event_id VARCHAR NOT NULL, ts TIMESTAMPTZ NOT NULL, model VARCHAR NOT NULL, stream BOOLEAN NOT NULL,
                tokens_in INTEGER NOT NULL, cost_usd DECIMAL(18,9), ttft_ms INTEGER, metadata_json VARCHAR)
            """);
    }

    public void Dispose()
    {
        _connection.Dispose();
        _duckDb.Dispose();
        _folder.Dispose();
    }

    [Fact]
    public void Copy_to_zstd_parquet_and_read_back_compares_equal()
    {
        var t0 = new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);
        using (var appender = _connection.CreateAppender("events"))
        {
            for (var i = 0; i < 3000; i++)
            {
                appender.CreateRow().AppendValue($"01JD{i:D22}").AppendValue(t0.AddTicks(i * 10L)).AppendValue(i % 2 == 0 ? "gpt-4o-mini" : "claude-é")
                    .AppendValue(i % 3 == 0).AppendValue(i).AppendValue(i % 5 == 0 ? null : i * 0.000000001m).AppendValue(i % 4 == 0 ? null : i)
                    .AppendValue(i % 10 == 0 ? null : $$"""{"team":"t{{i % 3}}","quote":"it's \"x\""}""").EndRow();
            }
        }

        var path = _folder.File("it's a \"file\".parquet");
        Assert.Equal(3000, _connection.Execute("COPY (SELECT * FROM events ORDER BY event_id) TO $path (FORMAT PARQUET, COMPRESSION ZSTD)", ("path", path)));
        Assert.True(new FileInfo(path).Length > 0);

        (string, object?) file = ("path", path);
        Assert.Equal(0, _connection.ScalarInt64("SELECT count(*) FROM ((SELECT * FROM events EXCEPT ALL SELECT * FROM read_parquet($path)) UNION ALL (SELECT * FROM read_parquet($path) EXCEPT ALL SELECT * FROM events))", file));
        Assert.Equal(3000, _connection.ScalarInt64("SELECT count(*) FROM read_parquet($path)", file));

        // Types survive: TIMESTAMPTZ, exact DECIMAL(18,9).
        Assert.Equal(
            [("cost_usd", "DECIMAL(18,9)"), ("ts", "TIMESTAMP WITH TIME ZONE")],
            _connection.Query("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet($path)) WHERE column_name IN ('ts', 'cost_usd') ORDER BY 1", r => (r.GetString(0), r.GetString(1)), file));
        Assert.Equal(Enumerable.Range(0, 3000).Where(i => i % 5 != 0).Sum(i => i * 0.000000001m), _connection.Query("SELECT sum(cost_usd) FROM read_parquet($path)", r => r.GetDecimal(0), file).Single());
        Assert.Equal(t0.AddTicks(2999 * 10L), _connection.Query("SELECT max(ts) FROM read_parquet($path)", r => r.GetFieldValue<DateTimeOffset>(0), file).Single());

        // Every column chunk is ZSTD-compressed.
        Assert.Equal(["ZSTD"], _connection.Query("SELECT DISTINCT compression FROM parquet_metadata($path)", r => r.GetString(0), file));
    }

    [Fact]
    public void Json_text_becomes_a_map_of_strings_that_survives_parquet()
    {
        var metadata = new[]
        {
            """{"team":"search","env":"prod"}""",
            """{"é":"ü ✓ 😀","quote":"it's \"x\"","ctl":"a\u0001\t\r\nb"}""",
            "{}",
            null,
            """{"n":2,"flag":true,"none":null,"obj":{"x":1},"arr":[1,2]}""",
        };
        using (var appender = _connection.CreateAppender("events"))
        {
            for (var i = 0; i < metadata.Length; i++)
            {
                appender.CreateRow().AppendValue("e" + i).AppendValue(DateTimeOffset.UnixEpoch).AppendValue("m").AppendValue(false).AppendValue(i)
                    .AppendNullValue().AppendNullValue().AppendValue(metadata[i]).EndRow();
            }
        }

        var path = _folder.File("map.parquet");
        _connection.Execute(
            """
            COPY (
                SELECT event_id, CASE WHEN metadata_json IS NULL THEN NULL ELSE CAST(metadata_json::JSON AS MAP(VARCHAR, VARCHAR)) END AS metadata
                FROM events ORDER BY event_id)
            TO $path (FORMAT PARQUET, COMPRESSION ZSTD)
            """,
            ("path", path));

        (string, object?) file = ("path", path);
        Assert.Equal("MAP(VARCHAR, VARCHAR)", _connection.Query("SELECT typeof(metadata) FROM read_parquet($path) LIMIT 1", r => r.GetString(0), file).Single());
        var maps = _connection.Query("SELECT metadata FROM read_parquet($path) ORDER BY event_id", r => r.IsDBNull(0) ? null : r.GetFieldValue<Dictionary<string, string?>>(0), file);
        Assert.Equal(new Dictionary<string, string?> { ["team"] = "search", ["env"] = "prod" }, maps[0]);
        Assert.Equal(new Dictionary<string, string?> { ["é"] = "ü ✓ 😀", ["quote"] = "it's \"x\"", ["ctl"] = "a\u0001\t\r\nb" }, maps[1]);
        Assert.Empty(maps[2]!);
        Assert.Null(maps[3]);

        // Non-string JSON values become their JSON text; JSON null becomes SQL NULL. Keys are looked up as bound values.
        Assert.Equal(new Dictionary<string, string?> { ["n"] = "2", ["flag"] = "true", ["none"] = null, ["obj"] = """{"x":1}""", ["arr"] = "[1,2]" }, maps[4]);
        Assert.Equal("ü ✓ 😀", _connection.Query("SELECT metadata[$key] FROM read_parquet($path) WHERE event_id = 'e1'", r => r.GetString(0), file, ("key", "é")).Single());
        Assert.Equal("{team=search, env=prod}", _connection.Query("SELECT CAST(metadata AS VARCHAR) FROM read_parquet($path) WHERE event_id = 'e0'", r => r.GetString(0), file).Single());
    }

    [Fact]
    public void Invalid_json_for_a_map_is_a_conversion_error()
    {
        var error = Assert.Throws<DuckDBException>(() => _connection.Execute("SELECT CAST('not json'::JSON AS MAP(VARCHAR, VARCHAR))"));
        Assert.Contains("Malformed JSON", error.Message, StringComparison.Ordinal);
        error = Assert.Throws<DuckDBException>(() => _connection.Execute("SELECT CAST('[1,2]'::JSON AS MAP(VARCHAR, VARCHAR))"));
        Assert.Contains("Expected OBJECT", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Hive_partitioned_copies_read_back_with_dt_typed_as_DATE()
    {
        _connection.Execute("""
            INSERT INTO events
            SELECT 'e' || i, TIMESTAMPTZ '2026-11-20 00:00:00+00' + INTERVAL (i % 2) DAY, 'm', false, i, i / 1000, NULL, NULL FROM range(100) t(i)
            """);
        var root = _folder.File("events");
        _connection.Execute(
            "COPY (SELECT *, 'acme' AS project, strftime(ts, '%Y-%m-%d') AS dt FROM events) TO $root (FORMAT PARQUET, COMPRESSION ZSTD, PARTITION_BY (project, dt))",
            ("root", root));
        Assert.True(Directory.Exists(Path.Combine(root, "project=acme", "dt=2026-11-20")));
        Assert.True(Directory.Exists(Path.Combine(root, "project=acme", "dt=2026-11-21")));

        using var reader = _connection.Command(
            "SELECT dt, count(*), sum(cost_usd) FROM read_parquet($glob, hive_partitioning = true) WHERE project = $project GROUP BY dt ORDER BY dt",
            ("glob", root + "/**/*.parquet"),
            ("project", "acme")).ExecuteReader();
        Assert.Equal("Date", reader.GetDataTypeName(0)); // hive partition values are typed (dt=yyyy-MM-dd reads as DATE)
        Assert.True(reader.Read());
        Assert.Equal(new DateOnly(2026, 11, 20), reader.GetFieldValue<DateOnly>(0));
        Assert.Equal(50L, reader.GetInt64(1));
        Assert.Equal(Enumerable.Range(0, 100).Where(i => i % 2 == 0).Sum(i => i / 1000m), reader.GetDecimal(2));
        Assert.True(reader.Read());
        Assert.False(reader.Read());
    }

    [Fact]
    public void Read_parquet_takes_the_file_list_as_a_bound_parameter()
    {
        // The backend never pastes part paths into SQL: read_parquet($files) with a VARCHAR[] parameter reads every file.
        string[] names = ["plain.parquet", "it's.parquet", "dq\".parquet", "back\\slash.parquet", "new\nline.parquet", "ü 😀 中文.parquet", "%_.parquet"];
        var paths = names.Select(_folder.File).ToList();
        for (var i = 0; i < paths.Count; i++)
        {
            _connection.Execute("COPY (SELECT $i::INTEGER AS i, $name AS name) TO $path (FORMAT PARQUET)", ("i", i), ("name", names[i]), ("path", paths[i]));
        }

        Assert.Equal(
            names.Select((n, i) => (i, n)),
            _connection.Query("SELECT i, name FROM read_parquet($files, union_by_name = true) ORDER BY i", r => (r.GetInt32(0), r.GetString(1)), ("files", paths)));
        var missing = Assert.Throws<DuckDBException>(() => _connection.ScalarInt64("SELECT count(*) FROM read_parquet($files)", ("files", new List<string> { paths[0], _folder.File("gone.parquet") })));
        Assert.Contains("IO Error", missing.Message, StringComparison.Ordinal);
    }
}
