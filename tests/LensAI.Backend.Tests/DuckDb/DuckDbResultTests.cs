using LensAI.Backend.DuckDb;

namespace LensAI.Backend.Tests.DuckDb;

public sealed class DuckDbResultTests : IDisposable
{
    private readonly DuckDbDatabase _database = DuckDbDatabase.OpenInMemory();
    private readonly DuckDbConnection _connection;

    public DuckDbResultTests() => _connection = _database.Connect();

    public void Dispose()
    {
        _connection.Dispose();
        _database.Dispose();
    }

    [Fact]
    public void Reads_the_types_aggregates_return()
    {
        using var result = _connection.Query("""
            SELECT
                42::TINYINT AS t, 42::SMALLINT AS sm, 42::UTINYINT AS ut, 42::USMALLINT AS us, 42::UINTEGER AS ui, 42::UBIGINT AS ub,
                sum(x) AS hugesum, 170141183460469231731687303715884105727::HUGEINT AS maxhuge,
                1.5::FLOAT AS f, avg(x) AS average,
                sum(x::DECIMAL(18,9)) AS decsum, 12.34::DECIMAL(4,2) AS smalldec, 123456.789::DECIMAL(9,3) AS middec,
                DATE '2026-11-21' AS day, TIMESTAMP_NS '2026-11-21 01:02:03.123456789' AS ns,
                TIMESTAMP_MS '2026-11-21 01:02:03.123' AS ms, TIMESTAMP_S '2026-11-21 01:02:03' AS s,
                '6f1c2b9e-2f6e-4d3a-9a77-0123456789ab'::UUID AS id, 'ok'::ENUM('ok', 'error', 'blocked') AS status,
                '{"a":1}'::JSON AS j, [1, 2] AS list
            FROM range(1, 4) r(x)
            """);
        Assert.Equal(1, result.RowCount);
        int Col(string name) => result.GetOrdinal(name);
        Assert.Equal(42, result.GetInt32(Col("t"), 0));
        Assert.Equal(42, result.GetInt32(Col("sm"), 0));
        Assert.Equal(42L, result.GetInt64(Col("ut"), 0));
        Assert.Equal(42L, result.GetInt64(Col("us"), 0));
        Assert.Equal(42L, result.GetInt64(Col("ui"), 0));
        Assert.Equal(42L, result.GetInt64(Col("ub"), 0));
        Assert.Equal(DuckDbType.HugeInt, result.GetColumnType(Col("hugesum")));
        Assert.Equal(6L, result.GetInt64(Col("hugesum"), 0));
        Assert.Equal(6m, result.GetDecimal(Col("hugesum"), 0));
        Assert.Equal(Int128.MaxValue, result.GetValue(Col("maxhuge"), 0));
        Assert.Throws<OverflowException>(() => result.GetInt64(Col("maxhuge"), 0));
        Assert.Equal(1.5, result.GetDouble(Col("f"), 0));
        Assert.Equal(2.0, result.GetDouble(Col("average"), 0));
        Assert.Equal(6.000000000m, result.GetDecimal(Col("decsum"), 0));
        Assert.Equal(12.34m, result.GetDecimal(Col("smalldec"), 0));
        Assert.Equal(123456.789m, result.GetDecimal(Col("middec"), 0));
        Assert.Equal(123456.789, result.GetDouble(Col("middec"), 0));
        Assert.Equal(new DateTimeOffset(2026, 11, 21, 0, 0, 0, TimeSpan.Zero), result.GetDateTimeOffset(Col("day"), 0));
        Assert.Equal(new DateTimeOffset(2026, 11, 21, 1, 2, 3, 123, TimeSpan.Zero).AddTicks(4567), result.GetDateTimeOffset(Col("ns"), 0));
        Assert.Equal(new DateTimeOffset(2026, 11, 21, 1, 2, 3, 123, TimeSpan.Zero), result.GetDateTimeOffset(Col("ms"), 0));
        Assert.Equal(new DateTimeOffset(2026, 11, 21, 1, 2, 3, TimeSpan.Zero), result.GetDateTimeOffset(Col("s"), 0));
        Assert.Equal("6f1c2b9e-2f6e-4d3a-9a77-0123456789ab", result.GetString(Col("id"), 0));
        Assert.Equal("ok", result.GetString(Col("status"), 0));
        Assert.Equal(DuckDbType.Varchar, result.GetColumnType(Col("j")));
        Assert.Equal("""{"a":1}""", result.GetString(Col("j"), 0));
        Assert.Equal(DuckDbType.List, result.GetColumnType(Col("list")));
        Assert.False(result.IsNull(Col("list"), 0));
        Assert.Throws<NotSupportedException>(() => result.GetValue(Col("list"), 0));
    }

    [Fact]
    public void Wrong_type_reads_say_what_the_column_is()
    {
        using var result = _connection.Query("SELECT 'x' AS s, 1.5::DOUBLE AS d, NULL::INTEGER AS n");
        var error = Assert.Throws<InvalidCastException>(() => result.GetInt64(0, 0));
        Assert.Contains("'s' is VARCHAR", error.Message);
        Assert.Throws<InvalidCastException>(() => result.GetDecimal(1, 0));
        Assert.Throws<InvalidCastException>(() => result.GetString(1, 0));
        Assert.Throws<InvalidCastException>(() => result.GetBoolean(0, 0));
        Assert.Throws<InvalidCastException>(() => result.Get<long>(2, 0));
        Assert.Null(result.Get<long?>(2, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => result.GetString(3, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => result.GetString(0, 1));
        Assert.Throws<ArgumentException>(() => result.GetOrdinal("missing"));
    }

    [Fact]
    public void Infinite_timestamps_do_not_become_dates()
    {
        using var result = _connection.Query("SELECT 'infinity'::TIMESTAMP, '-infinity'::TIMESTAMPTZ");
        Assert.Throws<OverflowException>(() => result.GetDateTimeOffset(0, 0));
        Assert.Throws<OverflowException>(() => result.GetDateTimeOffset(1, 0));
    }

    [Fact]
    public void Rows_and_columns_are_enumerable_and_named()
    {
        using var result = _connection.Query("SELECT range AS n, 'r' || range AS label FROM range(5000)");
        Assert.Equal(2, result.ColumnCount);
        Assert.Equal(5000, result.RowCount);
        Assert.Equal(["n", "label"], result.ColumnNames);
        Assert.Equal("label", result.GetColumnName(1));
        Assert.Equal(1, result.GetOrdinal("LABEL"));
        var rows = result.Rows.ToList();
        Assert.Equal(5000, rows.Count);
        Assert.Equal(4999L, rows[^1].Get<long>("n"));
        Assert.Equal("r2048", rows[2048]["label"]);
        Assert.Equal(2047L, rows[2047][0]);
        Assert.Equal("r4095", rows[4095].GetString(1));
    }

    [Fact]
    public void Scalars_follow_nullability()
    {
        Assert.Null(_connection.QueryScalar<string?>("SELECT NULL::VARCHAR"));
        Assert.Null(_connection.QueryScalar<long?>("SELECT 1 WHERE false"));
        Assert.Throws<InvalidOperationException>(() => _connection.QueryScalar<long>("SELECT 1 WHERE false"));
        Assert.Throws<InvalidCastException>(() => _connection.QueryScalar<decimal>("SELECT sum(x) FROM (SELECT 1.5 AS x WHERE false)"));
        Assert.Equal(0m, _connection.QueryScalar<decimal>("SELECT coalesce(sum(x), 0) FROM (SELECT 1.5 AS x WHERE false)"));
        Assert.Equal("a", _connection.QueryScalar<object>("SELECT 'a'"));
        Assert.Equal(7, _connection.QueryScalar<object>("SELECT 7"));
    }

    [Fact]
    public void Statements_without_rows_give_empty_results()
    {
        using var result = _connection.Query("CREATE TABLE e (i INTEGER)");
        Assert.Equal(0, result.RowsChanged);
        using var empty = _connection.Query("SELECT * FROM e");
        Assert.Equal(0, empty.RowCount);
        Assert.Equal(1, empty.ColumnCount);
        Assert.Empty(empty.Rows);
    }
}
