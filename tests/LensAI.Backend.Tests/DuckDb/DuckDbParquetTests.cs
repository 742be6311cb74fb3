using LensAI.Backend.DuckDb;

namespace LensAI.Backend.Tests.DuckDb;

public sealed class DuckDbParquetTests : IDisposable
{
    private readonly DuckDbTempFolder _folder = new();
    private readonly DuckDbDatabase _database = DuckDbDatabase.OpenInMemory();
    private readonly DuckDbConnection _connection;

    public DuckDbParquetTests()
    {
        _connection = _database.Connect();
        _connection.Execute("""
            CREATE TABLE events (
                event_id VARCHAR NOT NULL, ts TIMESTAMPTZ NOT NULL, model VARCHAR NOT NULL, stream BOOLEAN NOT NULL,
                tokens_in INTEGER NOT NULL, cost_usd DECIMAL(18,9), ttft_ms INTEGER, metadata_json VARCHAR)
            """);
    }

    public void Dispose()
    {
        _connection.Dispose();
        _database.Dispose();
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
                appender.Append($"01JD{i:D22}").AppendTimestamp(t0.AddTicks(i * 10L)).Append(i % 2 == 0 ? "gpt-4o-mini" : "claude-é")
                    .Append(i % 3 == 0).Append(i).Append(i % 5 == 0 ? null : i * 0.000000001m).Append(i % 4 == 0 ? null : i)
                    .Append(i % 10 == 0 ? null : $$"""{"team":"t{{i % 3}}","quote":"it's \"x\""}""").EndRow();
            }
        }

        var path = _folder.File("x.parquet");
        var copied = _connection.Execute($"COPY (SELECT * FROM events ORDER BY event_id) TO {DuckDbSql.Literal(path)} (FORMAT PARQUET, COMPRESSION ZSTD)");
        Assert.Equal(3000, copied);
        Assert.True(new FileInfo(path).Length > 0);

        var source = $"read_parquet({DuckDbSql.Literal(path)})";
        Assert.Equal(0L, _connection.QueryScalar<long>($"SELECT count(*) FROM ((SELECT * FROM events EXCEPT ALL SELECT * FROM {source}) UNION ALL (SELECT * FROM {source} EXCEPT ALL SELECT * FROM events))"));
        Assert.Equal(3000L, _connection.QueryScalar<long>($"SELECT count(*) FROM {source}"));

        // Types survive: TIMESTAMPTZ, exact DECIMAL(18,9).
        using (var types = _connection.Query($"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM {source}) WHERE column_name IN ('ts', 'cost_usd') ORDER BY 1"))
        {
            Assert.Equal("DECIMAL(18,9)", types.GetString(1, 0));
            Assert.Equal("TIMESTAMP WITH TIME ZONE", types.GetString(1, 1));
        }

        Assert.Equal(Enumerable.Range(0, 3000).Where(i => i % 5 != 0).Sum(i => i * 0.000000001m), _connection.QueryScalar<decimal>($"SELECT sum(cost_usd) FROM {source}"));
        Assert.Equal(t0.AddTicks(2999 * 10L), _connection.QueryScalar<DateTimeOffset>($"SELECT max(ts) FROM {source}"));

        // Every column chunk is ZSTD-compressed.
        using var compression = _connection.Query($"SELECT DISTINCT compression FROM parquet_metadata({DuckDbSql.Literal(path)})");
        Assert.Equal(["ZSTD"], compression.Rows.Select(r => r.GetString(0)));
    }

    [Fact]
    public void Json_text_becomes_a_map_of_strings_that_survives_parquet()
    {
        using (var appender = _connection.CreateAppender("events"))
        {
            var metadata = new[]
            {
                """{"team":"search","env":"prod"}""",
                """{"é":"ü ✓ 😀","quote":"it's \"x\""}""",
                "{}",
                null,
                """{"n":2,"flag":true,"none":null,"obj":{"x":1},"arr":[1,2]}""",
            };
            for (var i = 0; i < metadata.Length; i++)
            {
                appender.Append("e" + i).AppendTimestamp(DateTimeOffset.UnixEpoch).Append("m").Append(false).Append(i).AppendNull().AppendNull()
                    .Append(metadata[i]).EndRow();
            }
        }

        var path = _folder.File("map.parquet");
        _connection.Execute($"""
            COPY (
                SELECT event_id, CASE WHEN metadata_json IS NULL THEN NULL ELSE CAST(metadata_json::JSON AS MAP(VARCHAR, VARCHAR)) END AS metadata
                FROM events ORDER BY event_id)
            TO {DuckDbSql.Literal(path)} (FORMAT PARQUET, COMPRESSION ZSTD)
            """);

        var source = $"read_parquet({DuckDbSql.Literal(path)})";
        Assert.Equal("MAP(VARCHAR, VARCHAR)", _connection.QueryScalar<string>($"SELECT typeof(metadata) FROM {source} LIMIT 1"));
        using var result = _connection.Query($"""
            SELECT event_id, metadata['team'], metadata['env'], metadata['é'], metadata['quote'], cardinality(metadata), metadata IS NULL,
                   metadata['n'], metadata['flag'], metadata['none'], metadata['obj'], metadata['arr'], CAST(metadata AS VARCHAR)
            FROM {source} ORDER BY event_id
            """);
        Assert.Equal(5, result.RowCount);
        Assert.Equal("search", result.GetString(1, 0));
        Assert.Equal("prod", result.GetString(2, 0));
        Assert.Equal("ü ✓ 😀", result.GetString(3, 1));
        Assert.Equal("it's \"x\"", result.GetString(4, 1));
        Assert.Equal(0L, result.GetInt64(5, 2));
        Assert.True(result.GetBoolean(6, 3));
        Assert.True(result.IsNull(5, 3));

        // Non-string JSON values become their JSON text; JSON null becomes SQL NULL.
        Assert.Equal("2", result.GetString(7, 4));
        Assert.Equal("true", result.GetString(8, 4));
        Assert.Null(result.GetString(9, 4));
        Assert.Equal("""{"x":1}""", result.GetString(10, 4));
        Assert.Equal("[1,2]", result.GetString(11, 4));
        Assert.Equal("{team=search, env=prod}", result.GetString(12, 0));
    }

    [Fact]
    public void Invalid_json_for_a_map_is_a_conversion_error()
    {
        var error = Assert.Throws<DuckDbException>(() => _connection.Query("SELECT CAST('not json'::JSON AS MAP(VARCHAR, VARCHAR))"));
        Assert.Contains("Malformed JSON", error.Message);
        error = Assert.Throws<DuckDbException>(() => _connection.Query("SELECT CAST('[1,2]'::JSON AS MAP(VARCHAR, VARCHAR))"));
        Assert.Contains("Expected OBJECT", error.Message);
    }

    [Fact]
    public void Hive_partitioned_copies_read_back_with_their_partition_columns()
    {
        _connection.Execute("""
            INSERT INTO events
            SELECT 'e' || i, TIMESTAMPTZ '2026-11-20 00:00:00+00' + INTERVAL (i % 2) DAY, 'm', false, i, i / 1000, NULL, NULL FROM range(100) t(i)
            """);
        var root = _folder.File("events");
        _connection.Execute($"""
            COPY (SELECT *, 'acme' AS project, strftime(ts, '%Y-%m-%d') AS dt FROM events)
            TO {DuckDbSql.Literal(root)} (FORMAT PARQUET, COMPRESSION ZSTD, PARTITION_BY (project, dt))
            """);
        Assert.True(Directory.Exists(Path.Combine(root, "project=acme", "dt=2026-11-20")));
        Assert.True(Directory.Exists(Path.Combine(root, "project=acme", "dt=2026-11-21")));

        using var result = _connection.Query($"""
            SELECT dt, count(*), sum(cost_usd) FROM read_parquet({DuckDbSql.Literal(root + "/**/*.parquet")}, hive_partitioning = true)
            WHERE project = 'acme' GROUP BY dt ORDER BY dt
            """);
        Assert.Equal(2, result.RowCount);
        Assert.Equal(DuckDbType.Date, result.GetColumnType(0)); // hive partition values are typed (dt=yyyy-MM-dd reads as DATE)
        Assert.Equal(new DateTimeOffset(2026, 11, 20, 0, 0, 0, TimeSpan.Zero), result.GetDateTimeOffset(0, 0));
        Assert.Equal(50L, result.GetInt64(1, 0));
        Assert.Equal(Enumerable.Range(0, 100).Where(i => i % 2 == 0).Sum(i => i / 1000m), result.GetDecimal(2, 0));
    }
}
