using LensAI.Backend.DuckDb;

namespace LensAI.Backend.Tests.DuckDb;

public sealed class DuckDbAppenderTests : IDisposable
{
    private static readonly DateTimeOffset s_ts = new DateTimeOffset(2026, 11, 21, 12, 34, 56, TimeSpan.Zero).AddTicks(1234560); // .123456

    private readonly DuckDbDatabase _database = DuckDbDatabase.OpenInMemory();
    private readonly DuckDbConnection _connection;

    public DuckDbAppenderTests() => _connection = _database.Connect();

    public void Dispose()
    {
        _connection.Dispose();
        _database.Dispose();
    }

    [Fact]
    public void Every_type_round_trips_including_nulls()
    {
        _connection.Execute("""
            CREATE TABLE everything (
                s VARCHAR, i INTEGER, l BIGINT, b BOOLEAN, d DOUBLE, m DECIMAL(18,9), ts TIMESTAMP, tz TIMESTAMPTZ)
            """);
        using (var appender = _connection.CreateAppender("everything"))
        {
            Assert.Equal(8, appender.ColumnCount);
            appender.Append("text").Append(-7).Append(long.MaxValue).Append(true).Append(0.1)
                .Append(123456789.123456789m).AppendTimestamp(s_ts).AppendTimestamp(s_ts).EndRow();
            appender.Append((string?)null).Append((int?)null).Append((long?)null).Append((bool?)null).Append((double?)null)
                .Append((decimal?)null).AppendTimestamp(null).AppendNull().EndRow();
            appender.Append(string.Empty).Append(int.MinValue).Append(long.MinValue).Append(false).Append(double.NegativeInfinity)
                .Append(-0.000000001m).AppendTimestamp(DateTimeOffset.UnixEpoch).AppendTimestamp(new DateTimeOffset(1969, 12, 31, 23, 59, 59, TimeSpan.FromHours(-5))).EndRow();
        }

        using var result = _connection.Query("SELECT * FROM everything ORDER BY rowid");
        Assert.Equal(3, result.RowCount);
        Assert.Equal(["s", "i", "l", "b", "d", "m", "ts", "tz"], result.ColumnNames);
        Assert.Equal(
            [DuckDbType.Varchar, DuckDbType.Integer, DuckDbType.BigInt, DuckDbType.Boolean, DuckDbType.Double, DuckDbType.Decimal, DuckDbType.Timestamp, DuckDbType.TimestampTz],
            Enumerable.Range(0, 8).Select(result.GetColumnType));

        Assert.Equal("text", result.GetString(0, 0));
        Assert.Equal(-7, result.GetInt32(1, 0));
        Assert.Equal(long.MaxValue, result.GetInt64(2, 0));
        Assert.True(result.GetBoolean(3, 0));
        Assert.Equal(0.1, result.GetDouble(4, 0));
        Assert.Equal(123456789.123456789m, result.GetDecimal(5, 0));
        Assert.Equal(s_ts, result.GetDateTimeOffset(6, 0));
        Assert.Equal(s_ts, result.GetDateTimeOffset(7, 0));

        for (var column = 0; column < 8; column++)
        {
            Assert.True(result.IsNull(column, 1));
            Assert.False(result.IsNull(column, 0));
            Assert.Null(result.GetValue(column, 1));
        }

        Assert.Null(result.GetString(0, 1));
        Assert.Null(result.Get<int?>(1, 1));
        Assert.Null(result.Get<decimal?>(5, 1));
        Assert.Null(result.Get<DateTimeOffset?>(7, 1));
        Assert.Throws<InvalidCastException>(() => result.GetInt32(1, 1));

        Assert.Equal(string.Empty, result.GetString(0, 2));
        Assert.Equal(int.MinValue, result.GetInt32(1, 2));
        Assert.Equal(long.MinValue, result.GetInt64(2, 2));
        Assert.False(result.GetBoolean(3, 2));
        Assert.Equal(double.NegativeInfinity, result.GetDouble(4, 2));
        Assert.Equal(-0.000000001m, result.GetDecimal(5, 2));
        Assert.Equal(DateTimeOffset.UnixEpoch, result.GetDateTimeOffset(6, 2));
        Assert.Equal(new DateTimeOffset(1970, 1, 1, 4, 59, 59, TimeSpan.Zero), result.GetDateTimeOffset(7, 2));
    }

    [Theory]
    [InlineData("0.000000001")]
    [InlineData("123456789.123456789")]
    [InlineData("-123456789.123456789")]
    [InlineData("999999999.999999999")]
    [InlineData("0.1")]
    [InlineData("0")]
    [InlineData("0.000022500")]
    public void Decimals_are_exact_in_DECIMAL_18_9(string text)
    {
        var value = decimal.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
        _connection.Execute("CREATE TABLE money (v DECIMAL(18,9))");
        using (var appender = _connection.CreateAppender("money"))
        {
            appender.Append(value).EndRow();
        }

        Assert.Equal(value, _connection.QueryScalar<decimal>("SELECT v FROM money"));
        Assert.Equal(value.ToString("0.000000000", System.Globalization.CultureInfo.InvariantCulture), _connection.QueryScalar<string>("SELECT v::VARCHAR FROM money"));
        Assert.Equal(value, _connection.QueryScalar<decimal>($"SELECT v FROM money WHERE v = {text}"));
    }

    [Fact]
    public void Sums_of_DECIMAL_18_9_stay_exact()
    {
        _connection.Execute("CREATE TABLE costs (v DECIMAL(18,9))");
        using (var appender = _connection.CreateAppender("costs"))
        {
            for (var i = 0; i < 10_000; i++)
            {
                appender.Append(0.000000001m).EndRow();
            }

            appender.Append(123456789.123456789m).EndRow();
        }

        using var result = _connection.Query("SELECT sum(v) AS total, typeof(sum(v)) AS type FROM costs");
        Assert.Equal("DECIMAL(38,9)", result.GetString(1, 0));
        Assert.Equal(123456789.123466789m, result.GetDecimal(0, 0));
    }

    [Fact]
    public void Decimals_past_the_column_scale_round_half_away_from_zero()
    {
        _connection.Execute("CREATE TABLE rounded (v DECIMAL(18,9))");
        using (var appender = _connection.CreateAppender("rounded"))
        {
            appender.Append(1.0000000005m).EndRow();
            appender.Append(-1.0000000005m).EndRow();
            appender.Append(1.0000000004m).EndRow();
        }

        using var result = _connection.Query("SELECT v FROM rounded ORDER BY rowid");
        Assert.Equal([1.000000001m, -1.000000001m, 1.000000000m], result.Rows.Select(r => r.GetDecimal(0)));
    }

    [Fact]
    public void Unicode_and_long_strings_round_trip()
    {
        string[] values =
        [
            "héllo wörld", "日本語のテキスト", "emoji 😀🚀 and ZWJ 👩‍👩‍👧", "tab\tnewline\nquote' double\" backslash\\",
            "exactly12byt", "thirteen byte", "\0embedded nul", new string('x', 100_000), string.Concat(Enumerable.Repeat("ü€😀", 50_000)),
        ];
        _connection.Execute("CREATE TABLE texts (i INTEGER, s VARCHAR)");
        using (var appender = _connection.CreateAppender("texts"))
        {
            for (var i = 0; i < values.Length; i++)
            {
                appender.Append(i).Append(values[i]).EndRow();
            }

            appender.Append(values.Length).Append("span".AsSpan()).EndRow();
            appender.Append(values.Length + 1).AppendUtf8("utf8 ✓"u8).EndRow();
        }

        using var result = _connection.Query("SELECT s, length(s) FROM texts ORDER BY i");
        for (var i = 0; i < values.Length; i++)
        {
            Assert.Equal(values[i], result.GetString(0, i));
        }

        Assert.Equal(100_000L, result.GetInt64(1, 7));
        Assert.Equal("span", result.GetString(0, values.Length));
        Assert.Equal("utf8 ✓", result.GetString(0, values.Length + 1));
    }

    [Fact]
    public void Timestamps_keep_microseconds_and_drop_sub_microsecond_ticks()
    {
        _connection.Execute("CREATE TABLE times (ts TIMESTAMP, tz TIMESTAMPTZ)");
        var withTicks = s_ts.AddTicks(9); // 100 ns units past the microsecond
        var offset = new DateTimeOffset(2026, 11, 21, 8, 0, 0, 1, TimeSpan.FromHours(-4)).AddTicks(7);
        using (var appender = _connection.CreateAppender("times"))
        {
            appender.AppendTimestamp(withTicks).AppendTimestamp(withTicks).EndRow();
            appender.AppendTimestamp(offset).AppendTimestamp(offset).EndRow();
        }

        using var result = _connection.Query("SELECT ts, tz, epoch_us(ts), epoch_us(tz), tz::VARCHAR FROM times ORDER BY rowid");
        Assert.Equal(s_ts, result.GetDateTimeOffset(0, 0));
        Assert.Equal(s_ts, result.GetDateTimeOffset(1, 0));
        Assert.Equal(1795264496123456L, result.GetInt64(2, 0));
        Assert.Equal(1795264496123456L, result.GetInt64(3, 0));
        Assert.Equal("2026-11-21 12:34:56.123456+00", result.GetString(4, 0));
        var expected = new DateTimeOffset(2026, 11, 21, 12, 0, 0, 1, TimeSpan.Zero);
        Assert.Equal(expected, result.GetDateTimeOffset(0, 1));
        Assert.Equal(expected, result.GetDateTimeOffset(1, 1));
        Assert.Equal(TimeSpan.Zero, result.GetDateTimeOffset(1, 1).Offset);
    }

    [Fact]
    public void Timestamptz_values_are_the_instant_whatever_the_session_time_zone()
    {
        using var database = DuckDbDatabase.OpenInMemory(new DuckDbOptions { TimeZone = "America/New_York" });
        using var connection = database.Connect();
        connection.Execute("CREATE TABLE zoned (tz TIMESTAMPTZ)");
        using (var appender = connection.CreateAppender("zoned"))
        {
            appender.AppendTimestamp(s_ts).EndRow();
        }

        using var result = connection.Query("SELECT tz, epoch_us(tz), tz::VARCHAR FROM zoned");
        Assert.Equal(s_ts, result.GetDateTimeOffset(0, 0));
        Assert.Equal(1795264496123456L, result.GetInt64(1, 0));
        Assert.Equal("2026-11-21 07:34:56.123456-05", result.GetString(2, 0));
    }

    [Fact]
    public void Rows_spanning_many_chunks_are_all_written_and_read_back_in_order()
    {
        const int Rows = 25_000; // DuckDB's chunks hold 2,048 rows
        _connection.Execute("CREATE TABLE many (i BIGINT, s VARCHAR, m DECIMAL(18,9))");
        using (var appender = _connection.CreateAppender("many"))
        {
            for (var i = 0; i < Rows; i++)
            {
                appender.Append((long)i).Append(i % 7 == 0 ? null : "row " + i).Append(i / 1000m).EndRow();
            }
        }

        using var result = _connection.Query("SELECT i, s, m FROM many ORDER BY i");
        Assert.Equal(Rows, result.RowCount);
        var n = 0;
        foreach (var row in result.Rows)
        {
            Assert.Equal(n, row.GetInt64(0));
            Assert.Equal(n % 7 == 0 ? null : "row " + n, row.GetString(1));
            Assert.Equal(n / 1000m, row.GetDecimal(2));
            n++;
        }

        Assert.Equal(Rows, n);
    }

    [Fact]
    public void Appends_into_a_temp_table_and_another_schema()
    {
        _connection.Execute("CREATE TEMP TABLE staging (v INTEGER); CREATE SCHEMA other; CREATE TABLE other.t (v INTEGER)");
        using (var appender = _connection.CreateAppender("staging"))
        {
            appender.Append(1).EndRow();
        }

        using (var appender = _connection.CreateAppender("t", "other"))
        {
            appender.Append(2).EndRow();
            appender.Flush();
            Assert.Equal(2, _connection.QueryScalar<int>("SELECT v FROM other.t"));
        }

        Assert.Equal(1, _connection.QueryScalar<int>("SELECT v FROM staging"));
    }

    [Fact]
    public void Strings_are_cast_to_the_column_type_by_DuckDB()
    {
        _connection.Execute("CREATE TABLE casts (i INTEGER, d DATE, j JSON)");
        using (var appender = _connection.CreateAppender("casts"))
        {
            appender.Append("42").Append("2026-11-21").Append("""{"a":1}""").EndRow();
        }

        using var result = _connection.Query("SELECT i, d, j->>'a' FROM casts");
        Assert.Equal(42, result.GetInt32(0, 0));
        Assert.Equal(new DateTimeOffset(2026, 11, 21, 0, 0, 0, TimeSpan.Zero), result.GetDateTimeOffset(1, 0));
        Assert.Equal("1", result.GetString(2, 0));
    }
}
