using DuckDB.NET.Data;
using LensAI.Backend.DuckDb;

namespace LensAI.Backend.Tests.DuckDb;

/// <summary>Bound parameters: every value type the backend binds, exactly, and never as SQL.</summary>
public sealed class DuckDbParameterTests : IDisposable
{
    private readonly DuckDbConnectionFactory _duckDb = new();
    private readonly DuckDBConnection _connection;

    public DuckDbParameterTests()
    {
        _connection = _duckDb.Open();
        _connection.Execute("CREATE TABLE people (name VARCHAR, age INTEGER, visits BIGINT, score DOUBLE, active BOOLEAN, spent DECIMAL(18,9), seen TIMESTAMPTZ)");
    }

    public void Dispose()
    {
        _connection.Dispose();
        _duckDb.Dispose();
    }

    [Fact]
    public void Binds_every_type_and_null_and_reads_it_back()
    {
        var seen = new DateTimeOffset(2026, 11, 21, 9, 30, 0, TimeSpan.FromHours(2)).AddTicks(10); // 1 µs
        const string Insert = "INSERT INTO people VALUES ($name, $age, $visits, $score, $active, $spent, $seen)";
        Assert.Equal(1, _connection.Execute(Insert, ("name", "Ann"), ("age", 41), ("visits", 9_000_000_000L), ("score", 2.5), ("active", true), ("spent", 123456789.123456789m), ("seen", seen)));
        Assert.Equal(1, _connection.Execute(Insert, ("name", null), ("age", null), ("visits", null), ("score", null), ("active", null), ("spent", null), ("seen", null)));

        using var reader = _connection.Command("SELECT * FROM people ORDER BY rowid").ExecuteReader();
        Assert.True(reader.Read());
        Assert.Equal(("Ann", 41, 9_000_000_000L, 2.5, true, 123456789.123456789m), (reader.GetString(0), reader.GetInt32(1), reader.GetInt64(2), reader.GetDouble(3), reader.GetBoolean(4), reader.GetDecimal(5)));
        Assert.Equal(seen, reader.GetFieldValue<DateTimeOffset>(6));
        Assert.True(reader.Read());
        Assert.All(Enumerable.Range(0, 7), c => Assert.True(reader.IsDBNull(c)));
    }

    [Theory]
    [InlineData("O'Brien")]
    [InlineData("'); DROP TABLE people; --")]
    [InlineData("$1")]
    [InlineData("\"quoted\" and 'single' and `back` and \\")]
    [InlineData("%_")]
    public void Strings_are_values_never_sql(string name)
    {
        _connection.Execute("INSERT INTO people (name) VALUES ($name)", ("name", name));
        Assert.Equal(1, _connection.ScalarInt64("SELECT count(*) FROM people WHERE name = $name", ("name", name)));
        Assert.Equal([name], _connection.Query("SELECT name FROM people", r => r.GetString(0)));
        Assert.Equal(1, _connection.ScalarInt64("SELECT count(*) FROM information_schema.tables WHERE table_name = 'people'"));
    }

    [Fact]
    public void Decimal_parameters_are_exact()
    {
        _connection.Execute("INSERT INTO people (name, spent) VALUES ('a', 0.000000001), ('b', 123456789.123456789)");
        const string Sql = "SELECT name FROM people WHERE spent = $spent";
        Assert.Equal(["a"], _connection.Query(Sql, r => r.GetString(0), ("spent", 0.000000001m)));
        Assert.Equal(["b"], _connection.Query(Sql, r => r.GetString(0), ("spent", 123456789.123456789m)));
        Assert.Empty(_connection.Query(Sql, r => r.GetString(0), ("spent", 123456789.12345679m)));
        Assert.Equal(decimal.MinValue, _connection.Query("SELECT $d", r => r.GetDecimal(0), ("d", decimal.MinValue)).Single());
    }

    [Fact]
    public void Instant_parameters_filter_at_microsecond_precision_whatever_their_offset()
    {
        var t0 = new DateTimeOffset(2026, 11, 21, 0, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < 5; i++)
        {
            _connection.Execute("INSERT INTO people (name, seen) VALUES ($name, $seen)", ("name", "p" + i), ("seen", t0.AddTicks(i * 10)));
        }

        Assert.Equal(3, _connection.ScalarInt64("SELECT count(*) FROM people WHERE seen >= $from", ("from", t0.AddTicks(20))));
        Assert.Equal(3, _connection.ScalarInt64("SELECT count(*) FROM people WHERE seen >= $from", ("from", t0.AddTicks(20).ToOffset(TimeSpan.FromHours(-7)))));
        Assert.Equal(2, _connection.ScalarInt64("SELECT count(*) FROM people WHERE seen >= $from AND seen < $to", ("from", t0.AddTicks(10)), ("to", t0.AddTicks(30))));
    }

    [Fact]
    public void Lists_bind_as_DuckDB_lists()
    {
        List<string> keys = ["a'b", "c\"d", "(none)"];
        Assert.True(_connection.Query("SELECT list_contains($keys::VARCHAR[], $key)", r => r.GetBoolean(0), ("keys", keys), ("key", "c\"d")).Single());
        Assert.Equal(0, _connection.ScalarInt64("SELECT len($keys::VARCHAR[])", ("keys", new List<string>())));
        Assert.Equal(
            "b",
            _connection.Query("SELECT MAP($k::VARCHAR[], $v::VARCHAR[])[$key]", r => r.GetString(0), ("k", new List<string> { "x", "it's" }), ("v", new List<string> { "a", "b" }), ("key", "it's")).Single());
    }
}
