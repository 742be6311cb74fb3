using System.Globalization;
using LensAI.Backend.DuckDb;
using LensAI.Backend.Parquet;

namespace LensAI.Backend.Tests.DuckDb;

public sealed class DuckDbChunkAppenderTests : IDisposable
{
    private static readonly DateTimeOffset s_ts = new DateTimeOffset(2026, 11, 21, 12, 34, 56, TimeSpan.Zero).AddTicks(1234560); // .123456

    private readonly DuckDbDatabase _database = DuckDbDatabase.OpenInMemory();
    private readonly DuckDbConnection _connection;

    public DuckDbChunkAppenderTests() => _connection = _database.Connect();

    public void Dispose()
    {
        _connection.Dispose();
        _database.Dispose();
    }

    [Fact]
    public void Every_supported_type_round_trips_including_nulls()
    {
        _connection.Execute("""
            CREATE TABLE everything (
                s VARCHAR, u VARCHAR, i INTEGER, l BIGINT, b BOOLEAN, d DOUBLE,
                m DECIMAL(18,9), m4 DECIMAL(4,2), m9 DECIMAL(9,3), ts TIMESTAMP, tz TIMESTAMPTZ)
            """);
        using (var appender = _connection.CreateChunkAppender("everything"))
        {
            Assert.Equal(11, appender.ColumnCount);
            appender.BeginRow();
            appender.SetString(0, "text");
            appender.SetUtf8(1, "utf8 ✓"u8);
            appender.SetInt32(2, -7);
            appender.SetInt64(3, long.MaxValue);
            appender.SetBoolean(4, true);
            appender.SetDouble(5, 0.1);
            appender.SetDecimal(6, 123456789.123456789m);
            appender.SetDecimal(7, -99.99m);
            appender.SetDecimal(8, 999999.999m);
            appender.SetTimestamp(9, s_ts);
            appender.SetTimestamp(10, s_ts);
            appender.EndRow();

            appender.BeginRow();
            appender.SetString(0, null);
            appender.SetNull(1);
            appender.SetInt32(2, null);
            appender.SetInt64(3, null);
            appender.SetBoolean(4, null);
            appender.SetDouble(5, null);
            appender.SetDecimal(6, null);
            appender.SetDecimal(7, null);
            appender.SetNull(8);
            appender.SetTimestamp(9, null);
            appender.SetNull(10);
            appender.EndRow();

            // Columns set in another order than the table's.
            appender.BeginRow();
            appender.SetTimestamp(10, new DateTimeOffset(1969, 12, 31, 23, 59, 59, TimeSpan.FromHours(-5)));
            appender.SetTimestamp(9, DateTimeOffset.UnixEpoch);
            appender.SetDecimal(8, -0.001m);
            appender.SetDecimal(7, 0m);
            appender.SetDecimal(6, -0.000000001m);
            appender.SetDouble(5, double.NegativeInfinity);
            appender.SetBoolean(4, false);
            appender.SetInt64(3, long.MinValue);
            appender.SetInt32(2, int.MinValue);
            appender.SetUtf8(1, ReadOnlySpan<byte>.Empty);
            appender.SetString(0, string.Empty);
            appender.EndRow();
        }

        using var result = _connection.Query("SELECT * FROM everything ORDER BY rowid");
        Assert.Equal(3, result.RowCount);
        Assert.Equal("text", result.GetString(0, 0));
        Assert.Equal("utf8 ✓", result.GetString(1, 0));
        Assert.Equal(-7, result.GetInt32(2, 0));
        Assert.Equal(long.MaxValue, result.GetInt64(3, 0));
        Assert.True(result.GetBoolean(4, 0));
        Assert.Equal(0.1, result.GetDouble(5, 0));
        Assert.Equal(123456789.123456789m, result.GetDecimal(6, 0));
        Assert.Equal(-99.99m, result.GetDecimal(7, 0));
        Assert.Equal(999999.999m, result.GetDecimal(8, 0));
        Assert.Equal(s_ts, result.GetDateTimeOffset(9, 0));
        Assert.Equal(s_ts, result.GetDateTimeOffset(10, 0));

        for (var column = 0; column < 11; column++)
        {
            Assert.False(result.IsNull(column, 0));
            Assert.True(result.IsNull(column, 1));
            Assert.False(result.IsNull(column, 2));
        }

        Assert.Equal(string.Empty, result.GetString(0, 2));
        Assert.Equal(string.Empty, result.GetString(1, 2));
        Assert.Equal(int.MinValue, result.GetInt32(2, 2));
        Assert.Equal(long.MinValue, result.GetInt64(3, 2));
        Assert.False(result.GetBoolean(4, 2));
        Assert.Equal(double.NegativeInfinity, result.GetDouble(5, 2));
        Assert.Equal(-0.000000001m, result.GetDecimal(6, 2));
        Assert.Equal(0m, result.GetDecimal(7, 2));
        Assert.Equal(-0.001m, result.GetDecimal(8, 2));
        Assert.Equal(DateTimeOffset.UnixEpoch, result.GetDateTimeOffset(9, 2));
        Assert.Equal(new DateTimeOffset(1970, 1, 1, 4, 59, 59, TimeSpan.Zero), result.GetDateTimeOffset(10, 2));
    }

    [Fact]
    public void Unicode_and_long_strings_round_trip()
    {
        string[] values =
        [
            "héllo wörld", "日本語のテキスト", "emoji 😀🚀 and ZWJ 👩‍👩‍👧", "tab\tnewline\nquote' double\" backslash\\",
            "exactly12byt", "thirteen byte", "\0embedded nul", "ü€", "é", "twelve ünï", new string('x', 170), new string('y', 171), new string('€', 200),
            new string('x', 100_000), string.Concat(Enumerable.Repeat("ü€😀", 50_000)), "short after long",
        ];
        _connection.Execute("CREATE TABLE texts (i INTEGER, s VARCHAR, b VARCHAR)");
        using (var appender = _connection.CreateChunkAppender("texts"))
        {
            for (var i = 0; i < values.Length; i++)
            {
                appender.BeginRow();
                appender.SetInt32(0, i);
                appender.SetString(1, values[i]);
                appender.SetUtf8(2, System.Text.Encoding.UTF8.GetBytes(values[i]));
                appender.EndRow();
            }
        }

        using var result = _connection.Query("SELECT s, b, length(s), strlen(b) FROM texts ORDER BY i");
        Assert.Equal(values.Length, result.RowCount);
        for (var i = 0; i < values.Length; i++)
        {
            Assert.Equal(values[i], result.GetString(0, i));
            Assert.Equal(values[i], result.GetString(1, i));
            Assert.Equal(System.Text.Encoding.UTF8.GetByteCount(values[i]), result.GetInt64(3, i));
        }

        Assert.Equal(100_000L, result.GetInt64(2, 13));
    }

    [Fact]
    public void Short_strings_written_inline_compare_group_and_join_like_DuckDBs_own()
    {
        // Strings of up to 12 bytes are written straight into the vector; slots are reused across chunks, so a short
        // value lands where a longer one was (its padding must be zeroed for equality and hashing to work).
        string[] cycle = ["abcdefghijkl", "abc", "ü€", string.Empty, "a\0b", "twelve bytes"];
        const int Rows = 5000;
        _connection.Execute("CREATE TABLE shorts (i INTEGER, s VARCHAR)");
        using (var appender = _connection.CreateChunkAppender("shorts"))
        {
            for (var i = 0; i < Rows; i++)
            {
                appender.BeginRow();
                appender.SetInt32(0, i);
                if (i % 2 == 0)
                {
                    appender.SetString(1, cycle[i % cycle.Length]);
                }
                else
                {
                    appender.SetUtf8(1, System.Text.Encoding.UTF8.GetBytes(cycle[i % cycle.Length]));
                }

                appender.EndRow();
            }
        }

        var expected = Enumerable.Range(0, Rows).GroupBy(i => cycle[i % cycle.Length]).ToDictionary(g => g.Key, g => (long)g.Count());
        Assert.Equal(cycle.Length, _connection.QueryScalar<long>("SELECT count(DISTINCT s) FROM shorts"));
        using (var grouped = _connection.Query("SELECT s, count(*) FROM shorts GROUP BY s"))
        {
            Assert.Equal(expected, grouped.Rows.ToDictionary(r => r.GetString(0)!, r => r.GetInt64(1)));
        }

        Assert.Equal(expected["abc"], _connection.QueryScalar<long>("SELECT count(*) FROM shorts WHERE s = 'abc'"));
        Assert.Equal(expected["ü€"], _connection.QueryScalar<long>("SELECT count(*) FROM shorts JOIN (VALUES ('ü€')) v(x) ON s = x"));
        Assert.Equal(expected[string.Empty], _connection.QueryScalar<long>("SELECT count(*) FROM shorts WHERE s = '' AND length(s) = 0"));
        Assert.Equal(expected["a\0b"], _connection.QueryScalar<long>("SELECT count(*) FROM shorts WHERE strlen(s) = 3 AND s <> 'abc'"));
    }

    [Fact]
    public void Invalid_utf8_is_rejected_instead_of_becoming_null()
    {
        _connection.Execute("CREATE TABLE texts (s VARCHAR)");
        using (var appender = _connection.CreateChunkAppender("texts"))
        {
            appender.BeginRow();
            var error = Assert.Throws<ArgumentException>(() => appender.SetUtf8(0, [0x61, 0xC3, 0x28]));
            Assert.Contains("not valid UTF-8", error.Message, StringComparison.Ordinal);
            Assert.Contains("0 's'", error.Message, StringComparison.Ordinal);
            appender.SetUtf8(0, "ok"u8); // the row is still open and the column still unset
            appender.EndRow();
        }

        Assert.Equal("ok", _connection.QueryScalar<string>("SELECT s FROM texts"));
    }

    [Theory]
    [InlineData("0.000000001", "0.000000001")]
    [InlineData("123456789.123456789", "123456789.123456789")]
    [InlineData("-123456789.123456789", "-123456789.123456789")]
    [InlineData("-0.000000001", "-0.000000001")]
    [InlineData("999999999.999999999", "999999999.999999999")]
    [InlineData("-999999999.999999999", "-999999999.999999999")]
    [InlineData("0", "0")]
    [InlineData("0.000022500", "0.0000225")]
    [InlineData("42", "42")]
    [InlineData("0.0000000005", "0.000000001")] // rounding past the scale: half away from zero
    [InlineData("-0.0000000005", "-0.000000001")]
    [InlineData("0.00000000049999", "0")]
    [InlineData("1.0000000025", "1.000000003")] // not banker's (which gives …002)
    [InlineData("-1.0000000025", "-1.000000003")]
    [InlineData("2.0000000035", "2.000000004")]
    [InlineData("0.1234567894999999999999999999", "0.123456789")] // 28 decimal places
    [InlineData("999999999.9999999994", "999999999.999999999")]
    public void Decimals_are_exact_in_DECIMAL_18_9_and_round_like_DuckDB(string text, string expected)
    {
        var value = decimal.Parse(text, CultureInfo.InvariantCulture);
        _connection.Execute("CREATE TABLE money (v DECIMAL(18,9))");
        using (var appender = _connection.CreateChunkAppender("money"))
        {
            appender.BeginRow();
            appender.SetDecimal(0, value);
            appender.EndRow();
        }

        var stored = _connection.QueryScalar<decimal>("SELECT v FROM money");
        Assert.Equal(decimal.Parse(expected, CultureInfo.InvariantCulture), stored);
        Assert.Equal(_connection.QueryScalar<decimal>($"SELECT CAST('{text}' AS DECIMAL(18,9))"), stored); // DuckDB's own cast agrees
    }

    [Fact]
    public void Decimals_that_do_not_fit_throw_and_leave_the_row_open()
    {
        _connection.Execute("CREATE TABLE money (v DECIMAL(18,9), small DECIMAL(4,2), huge DECIMAL(38,9))");
        using (var appender = _connection.CreateChunkAppender("money"))
        {
            appender.BeginRow();
            foreach (var tooBig in new[] { 1_000_000_000m, -1_000_000_000m, 999999999.9999999995m, decimal.MaxValue, decimal.MinValue, 18446744073709551616m })
            {
                var error = Assert.Throws<OverflowException>(() => appender.SetDecimal(0, tooBig));
                Assert.Contains("0 'v'", error.Message, StringComparison.Ordinal);
                Assert.Contains("DECIMAL(18,9)", error.Message, StringComparison.Ordinal);
            }

            Assert.Throws<OverflowException>(() => appender.SetDecimal(1, 100m));
            Assert.Throws<OverflowException>(() => appender.SetDecimal(1, 99.995m)); // rounds to 100.00
            var wide = Assert.Throws<NotSupportedException>(() => appender.SetDecimal(2, 1m));
            Assert.Contains("DECIMAL(38,9)", wide.Message, StringComparison.Ordinal);

            appender.SetDecimal(0, 0.5m);
            appender.SetDecimal(1, 99.994m);
            appender.SetNull(2);
            appender.EndRow();
        }

        using var result = _connection.Query("SELECT v, small, huge FROM money");
        Assert.Equal(0.5m, result.GetDecimal(0, 0));
        Assert.Equal(99.99m, result.GetDecimal(1, 0));
        Assert.True(result.IsNull(2, 0));
    }

    [Fact]
    public void Timestamps_keep_microseconds_into_TIMESTAMPTZ_and_TIMESTAMP()
    {
        _connection.Execute("CREATE TABLE times (tz TIMESTAMPTZ, ts TIMESTAMP)");
        var withTicks = s_ts.AddTicks(9); // 100 ns units past the microsecond: dropped
        var offset = new DateTimeOffset(2026, 11, 21, 8, 0, 0, 1, TimeSpan.FromHours(-4)).AddTicks(7);
        var beforeEpoch = new DateTimeOffset(1969, 12, 31, 23, 59, 59, TimeSpan.Zero).AddTicks(9_999_995); // .9999995
        using (var appender = _connection.CreateChunkAppender("times"))
        {
            foreach (var value in new[] { withTicks, offset, beforeEpoch })
            {
                appender.BeginRow();
                appender.SetTimestamp(0, value);
                appender.SetTimestamp(1, value);
                appender.EndRow();
            }
        }

        using var result = _connection.Query("SELECT tz, ts, epoch_us(tz), epoch_us(ts), tz::VARCHAR FROM times ORDER BY rowid");
        Assert.Equal(s_ts, result.GetDateTimeOffset(0, 0));
        Assert.Equal(s_ts, result.GetDateTimeOffset(1, 0));
        Assert.Equal(1795264496123456L, result.GetInt64(2, 0));
        Assert.Equal(1795264496123456L, result.GetInt64(3, 0));
        Assert.Equal("2026-11-21 12:34:56.123456+00", result.GetString(4, 0));
        var expected = new DateTimeOffset(2026, 11, 21, 12, 0, 0, 1, TimeSpan.Zero);
        Assert.Equal(expected, result.GetDateTimeOffset(0, 1));
        Assert.Equal(expected, result.GetDateTimeOffset(1, 1));
        Assert.Equal(-1L, result.GetInt64(2, 2)); // rounded toward the past, like the row appender
        Assert.Equal(-1L, result.GetInt64(3, 2));
    }

    [Theory]
    [InlineData(2048)]
    [InlineData(4096)]
    [InlineData(2049)]
    [InlineData(5000)]
    [InlineData(1)]
    public void Rows_across_chunk_boundaries_are_all_written_with_their_nulls(int rows)
    {
        _connection.Execute("CREATE TABLE many (i INTEGER, s VARCHAR, m DECIMAL(18,9), b BOOLEAN)");
        using (var appender = _connection.CreateChunkAppender("many"))
        {
            for (var i = 0; i < rows; i++)
            {
                appender.BeginRow();
                appender.SetInt32(0, i);
                appender.SetString(1, IsNull(i) ? null : "row " + i + (i % 2 == 0 ? " with a longer tail" : string.Empty));
                appender.SetDecimal(2, IsNull(i) ? null : i / 1000m);
                appender.SetBoolean(3, i % 3 == 0 ? null : i % 2 == 0);
                appender.EndRow();
            }

            if (rows % 2048 == 0)
            {
                // Full chunks were handed over by EndRow; Flush has no partial chunk left and only writes.
                appender.Flush();
                Assert.Equal(rows, _connection.QueryScalar<long>("SELECT count(*) FROM many"));
            }
        }

        using var result = _connection.Query("SELECT i, s, m, b FROM many ORDER BY i");
        Assert.Equal(rows, result.RowCount);
        var n = 0;
        foreach (var row in result.Rows)
        {
            Assert.Equal(n, row.GetInt32(0));
            Assert.Equal(IsNull(n) ? null : "row " + n + (n % 2 == 0 ? " with a longer tail" : string.Empty), row.GetString(1));
            Assert.Equal(IsNull(n) ? null : n / 1000m, row.Get<decimal?>(2));
            Assert.Equal(n % 3 == 0 ? null : n % 2 == 0, row.Get<bool?>(3));
            n++;
        }

        Assert.Equal(rows, n);

        // NULLs at the chunk's last slot, at a new chunk's first slot, and not carried over to the slots after them.
        static bool IsNull(int i) => i % 7 == 0 || i == 2047 || i == 2048 || i == 4095;
    }

    [Fact]
    public void Flush_writes_the_partial_chunk_and_appending_continues()
    {
        _connection.Execute("CREATE TABLE t (v INTEGER)");
        using var appender = _connection.CreateChunkAppender("t");
        appender.Flush(); // nothing yet
        for (var i = 0; i < 3; i++)
        {
            appender.BeginRow();
            appender.SetInt32(0, i);
            appender.EndRow();
        }

        Assert.Equal(0L, _connection.QueryScalar<long>("SELECT count(*) FROM t"));
        appender.Flush();
        Assert.Equal(3L, _connection.QueryScalar<long>("SELECT count(*) FROM t"));
        appender.BeginRow();
        appender.SetInt32(0, 3);
        appender.EndRow();
        appender.Flush();
        Assert.Equal(6L, _connection.QueryScalar<long>("SELECT sum(v) FROM t"));
    }

    [Fact]
    public void Type_mismatch_names_the_column_and_both_types()
    {
        _connection.Execute("CREATE TABLE typed (name VARCHAR, n INTEGER, big BIGINT, ts TIMESTAMPTZ, m DECIMAL(18,9), d DATE)");
        using var appender = _connection.CreateChunkAppender("typed");
        appender.BeginRow();

        var error = Assert.Throws<ArgumentException>(() => appender.SetInt32(0, 1));
        Assert.StartsWith("Column 0 'name' is VARCHAR; SetInt32 writes INTEGER.", error.Message, StringComparison.Ordinal);
        Assert.Equal("column", error.ParamName);

        error = Assert.Throws<ArgumentException>(() => appender.SetString(1, "1"));
        Assert.StartsWith("Column 1 'n' is INTEGER; SetString writes VARCHAR.", error.Message, StringComparison.Ordinal);
        error = Assert.Throws<ArgumentException>(() => appender.SetInt32(2, 1));
        Assert.StartsWith("Column 2 'big' is BIGINT; SetInt32 writes INTEGER.", error.Message, StringComparison.Ordinal);
        error = Assert.Throws<ArgumentException>(() => appender.SetInt64(3, 1));
        Assert.StartsWith("Column 3 'ts' is TIMESTAMPTZ; SetInt64 writes BIGINT.", error.Message, StringComparison.Ordinal);
        error = Assert.Throws<ArgumentException>(() => appender.SetDouble(4, 1));
        Assert.StartsWith("Column 4 'm' is DECIMAL(18,9); SetDouble writes DOUBLE.", error.Message, StringComparison.Ordinal);
        error = Assert.Throws<ArgumentException>(() => appender.SetTimestamp(5, s_ts));
        Assert.StartsWith("Column 5 'd' is DATE; SetTimestamp writes TIMESTAMP or TIMESTAMPTZ.", error.Message, StringComparison.Ordinal);
        error = Assert.Throws<ArgumentException>(() => appender.SetDecimal(1, 1m));
        Assert.StartsWith("Column 1 'n' is INTEGER; SetDecimal writes DECIMAL.", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => appender.SetInt32(6, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => appender.SetNull(-1));

        // Nothing was set by the failures; the row completes normally (SetNull works on any type).
        appender.SetString(0, "x");
        appender.SetInt32(1, 1);
        appender.SetInt64(2, 2);
        appender.SetTimestamp(3, s_ts);
        appender.SetDecimal(4, 1m);
        appender.SetNull(5);
        appender.EndRow();
        appender.Flush();
        Assert.Equal(1L, _connection.QueryScalar<long>("SELECT count(*) FROM typed WHERE d IS NULL AND n = 1"));
    }

    [Fact]
    public void Temp_tables_and_other_schemas_work_and_columns_are_named_in_messages()
    {
        _connection.Execute("CREATE TEMP TABLE staging (v INTEGER); CREATE SCHEMA other; CREATE TABLE other.t (v VARCHAR)");
        using (var appender = _connection.CreateChunkAppender("staging"))
        {
            appender.BeginRow();
            var error = Assert.Throws<ArgumentException>(() => appender.SetString(0, "1"));
            Assert.StartsWith("Column 0 'v' is INTEGER", error.Message, StringComparison.Ordinal);
            appender.SetInt32(0, 1);
            appender.EndRow();
        }

        using (var appender = _connection.CreateChunkAppender("t", "other"))
        {
            appender.BeginRow();
            var error = Assert.Throws<ArgumentException>(() => appender.SetInt32(0, 1));
            Assert.StartsWith("Column 0 'v' is VARCHAR", error.Message, StringComparison.Ordinal);
            appender.SetString(0, "two");
            appender.EndRow();
        }

        Assert.Equal(1, _connection.QueryScalar<int>("SELECT v FROM staging"));
        Assert.Equal("two", _connection.QueryScalar<string>("SELECT v FROM other.t"));
    }

    [Fact]
    public void Generated_columns_are_skipped_and_messages_fall_back_to_the_column_index()
    {
        _connection.Execute("CREATE TABLE g (a INTEGER, doubled INTEGER GENERATED ALWAYS AS (a * 2) VIRTUAL, s VARCHAR)");
        using (var appender = _connection.CreateChunkAppender("g"))
        {
            Assert.Equal(2, appender.ColumnCount);
            appender.BeginRow();
            var error = Assert.Throws<ArgumentException>(() => appender.SetInt32(1, 1));
            Assert.StartsWith("Column 1 is VARCHAR; SetInt32 writes INTEGER.", error.Message, StringComparison.Ordinal);
            appender.SetInt32(0, 21);
            appender.SetString(1, "x");
            appender.EndRow();
        }

        Assert.Equal(42, _connection.QueryScalar<int>("SELECT doubled FROM g WHERE s = 'x'"));
    }

    [Fact]
    public void A_column_left_unset_fails_EndRow_and_the_row_can_be_completed_or_cancelled()
    {
        _connection.Execute("CREATE TABLE t (a INTEGER, b VARCHAR, c BOOLEAN)");
        using (var appender = _connection.CreateChunkAppender("t"))
        {
            appender.BeginRow();
            appender.SetInt32(0, 1);
            var error = Assert.Throws<InvalidOperationException>(appender.EndRow);
            Assert.Contains("1 'b' (VARCHAR), 2 'c' (BOOLEAN)", error.Message, StringComparison.Ordinal);
            Assert.Throws<InvalidOperationException>(() => appender.SetInt32(0, 2)); // set twice
            Assert.Throws<InvalidOperationException>(appender.BeginRow); // still open
            appender.SetString(1, "one");
            appender.SetBoolean(2, true);
            appender.EndRow();

            // A cancelled row leaves nothing behind, not even its NULLs.
            appender.BeginRow();
            appender.SetNull(0);
            appender.SetNull(1);
            appender.CancelRow();
            appender.BeginRow();
            appender.SetInt32(0, 2);
            appender.SetString(1, "two");
            appender.SetBoolean(2, false);
            appender.EndRow();
            appender.CancelRow(); // no open row: nothing happens
        }

        using var result = _connection.Query("SELECT a, b, c FROM t ORDER BY a");
        Assert.Equal(2, result.RowCount);
        Assert.Equal(2, result.GetInt32(0, 1));
        Assert.Equal("two", result.GetString(1, 1));
        Assert.False(result.GetBoolean(2, 1));
    }

    [Fact]
    public void Setters_outside_a_row_throw()
    {
        _connection.Execute("CREATE TABLE t (a INTEGER)");
        using var appender = _connection.CreateChunkAppender("t");
        Assert.Throws<InvalidOperationException>(() => appender.SetInt32(0, 1));
        Assert.Throws<InvalidOperationException>(appender.EndRow);
        appender.BeginRow();
        appender.SetInt32(0, 1);
        Assert.Throws<InvalidOperationException>(appender.Flush); // a row is open
        appender.EndRow();
        appender.Flush();
        Assert.Equal(1L, _connection.QueryScalar<long>("SELECT count(*) FROM t"));
    }

    [Fact]
    public void Not_null_violation_surfaces_DuckDBs_error_on_Flush_and_nothing_is_written()
    {
        _connection.Execute("CREATE TABLE strict (id INTEGER, name VARCHAR NOT NULL)");
        var appender = _connection.CreateChunkAppender("strict");
        appender.BeginRow();
        appender.SetInt32(0, 1);
        appender.SetString(1, "fine");
        appender.EndRow();
        appender.BeginRow();
        appender.SetInt32(0, 2);
        appender.SetNull(1);
        appender.EndRow(); // buffered: DuckDB checks constraints when it writes

        var error = Assert.Throws<DuckDbException>(appender.Flush);
        Assert.Contains("NOT NULL constraint failed", error.Message, StringComparison.Ordinal);
        Assert.Contains("strict.name", error.Message, StringComparison.Ordinal);

        var unusable = Assert.Throws<InvalidOperationException>(appender.BeginRow);
        Assert.Contains("can no longer be used", unusable.Message, StringComparison.Ordinal);
        appender.Dispose(); // no second exception
        appender.Dispose();
        Assert.Equal(0L, _connection.QueryScalar<long>("SELECT count(*) FROM strict"));
    }

    [Fact]
    public void Not_null_violation_surfaces_on_Dispose_when_not_flushed()
    {
        _connection.Execute("CREATE TABLE strict (name VARCHAR NOT NULL)");
        var appender = _connection.CreateChunkAppender("strict");
        appender.BeginRow();
        appender.SetString(0, null);
        appender.EndRow();

        var error = Assert.Throws<DuckDbException>(appender.Dispose);
        Assert.Contains("NOT NULL constraint failed", error.Message, StringComparison.Ordinal);
        appender.Dispose();
        Assert.Equal(0L, _connection.QueryScalar<long>("SELECT count(*) FROM strict"));
    }

    [Fact]
    public void Dispose_writes_the_last_rows_is_idempotent_and_later_calls_throw()
    {
        _connection.Execute("CREATE TABLE t (v INTEGER)");
        var appender = _connection.CreateChunkAppender("t");
        appender.BeginRow();
        appender.SetInt32(0, 7);
        appender.EndRow();
        appender.Dispose();
        appender.Dispose();

        Assert.Equal(7, _connection.QueryScalar<int>("SELECT v FROM t"));
        Assert.Throws<ObjectDisposedException>(appender.BeginRow);
        Assert.Throws<ObjectDisposedException>(() => appender.SetInt32(0, 1));
        Assert.Throws<ObjectDisposedException>(appender.EndRow);
        Assert.Throws<ObjectDisposedException>(appender.Flush);
    }

    [Fact]
    public void Dispose_with_an_open_row_discards_the_unwritten_rows()
    {
        _connection.Execute("CREATE TABLE t (v INTEGER, s VARCHAR)");
        var thrown = Assert.Throws<FormatException>(() =>
        {
            using var appender = _connection.CreateChunkAppender("t");
            for (var i = 0; i < 3000; i++)
            {
                appender.BeginRow();
                appender.SetInt32(0, i);
                appender.SetString(1, i == 2999 ? throw new FormatException("bad input") : "ok");
                appender.EndRow();
            }
        });

        Assert.Equal("bad input", thrown.Message);
        Assert.Equal(0L, _connection.QueryScalar<long>("SELECT count(*) FROM t"));
    }

    [Fact]
    public void A_missing_table_is_DuckDBs_error()
    {
        var error = Assert.Throws<DuckDbException>(() => _connection.CreateChunkAppender("nope"));
        Assert.Contains("nope", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_staging_layout_round_trips()
    {
        _connection.Execute($"CREATE TABLE staging ({EventSchema.StagingColumns})");
        using (var appender = _connection.CreateChunkAppender("staging"))
        {
            Assert.Equal(26, appender.ColumnCount);
            for (var i = 0; i < 3000; i++)
            {
                WriteStagingRow(appender, i);
            }
        }

        using var result = _connection.Query("SELECT * FROM staging ORDER BY tokens_in");
        Assert.Equal(3000, result.RowCount);
        var row = 2999;
        Assert.Equal("evt-00002999", result.GetString(0, row));
        Assert.Equal(s_ts.AddSeconds(row), result.GetDateTimeOffset(1, row));
        Assert.Equal("proj-1", result.GetString(2, row));
        Assert.True(result.IsNull(3, row)); // request_id: NULL on odd rows
        Assert.Equal("user-9", result.GetString(4, row));
        Assert.Equal("/chat", result.GetString(5, row));
        Assert.Equal("openai", result.GetString(6, row));
        Assert.Equal("gpt-4o-mini-2024-07-18", result.GetString(7, row));
        Assert.Equal("chat", result.GetString(8, row));
        Assert.True(result.GetBoolean(9, row));
        Assert.Equal(row, result.GetInt32(10, row));
        Assert.Equal(2 * row, result.GetInt32(11, row));
        Assert.Equal(0.000123456m * row, result.GetDecimal(16, row));
        Assert.Equal("2026-01", result.GetString(17, row));
        Assert.Equal(100 + row, result.GetInt32(18, row));
        Assert.True(result.IsNull(19, row));
        Assert.Equal("ok", result.GetString(20, row));
        Assert.Equal(200, result.GetInt32(21, row));
        Assert.Equal("""{"team":"search","env":"prod"}""", result.GetString(22, row));
        Assert.Equal("lensai-dotnet/1.0.0", result.GetString(23, row));
        Assert.True(result.IsNull(24, row));
        Assert.Equal(s_ts, result.GetDateTimeOffset(25, row));
        Assert.Equal("req-2998", result.GetString(3, row - 1));
        Assert.Equal(5, result.GetInt32(19, row - 1));
        Assert.Equal("computed", result.GetString(24, row - 1));
    }

    internal static void WriteStagingRow(DuckDbChunkAppender appender, int i)
    {
        var even = i % 2 == 0;
        appender.BeginRow();
        appender.SetString(0, "evt-" + i.ToString("D8", CultureInfo.InvariantCulture));
        appender.SetTimestamp(1, s_ts.AddSeconds(i));
        appender.SetUtf8(2, "proj-1"u8);
        appender.SetString(3, even ? "req-" + i.ToString(CultureInfo.InvariantCulture) : null);
        appender.SetUtf8(4, "user-9"u8);
        appender.SetUtf8(5, "/chat"u8);
        appender.SetUtf8(6, "openai"u8);
        appender.SetUtf8(7, "gpt-4o-mini-2024-07-18"u8);
        appender.SetUtf8(8, "chat"u8);
        appender.SetBoolean(9, true);
        appender.SetInt32(10, i);
        appender.SetInt32(11, 2 * i);
        appender.SetInt32(12, 0);
        appender.SetInt32(13, 0);
        appender.SetInt32(14, 0);
        appender.SetInt32(15, 0);
        appender.SetDecimal(16, 0.000123456m * i);
        appender.SetUtf8(17, "2026-01"u8);
        appender.SetInt32(18, 100 + i);
        appender.SetInt32(19, even ? 5 : null);
        appender.SetUtf8(20, "ok"u8);
        appender.SetInt32(21, 200);
        appender.SetUtf8(22, """{"team":"search","env":"prod"}"""u8);
        appender.SetUtf8(23, "lensai-dotnet/1.0.0"u8);
        appender.SetString(24, even ? "computed" : null);
        appender.SetTimestamp(25, s_ts);
        appender.EndRow();
    }
}
