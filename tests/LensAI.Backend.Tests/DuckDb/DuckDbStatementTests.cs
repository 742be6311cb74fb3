using LensAI.Backend.DuckDb;

namespace LensAI.Backend.Tests.DuckDb;

public sealed class DuckDbStatementTests : IDisposable
{
    private readonly DuckDbDatabase _database = DuckDbDatabase.OpenInMemory();
    private readonly DuckDbConnection _connection;

    public DuckDbStatementTests()
    {
        _connection = _database.Connect();
        _connection.Execute("CREATE TABLE people (name VARCHAR, age INTEGER, visits BIGINT, score DOUBLE, active BOOLEAN, spent DECIMAL(18,9), seen TIMESTAMPTZ, seen_naive TIMESTAMP)");
    }

    public void Dispose()
    {
        _connection.Dispose();
        _database.Dispose();
    }

    [Fact]
    public void Binds_every_type_and_reads_it_back()
    {
        var seen = new DateTimeOffset(2026, 11, 21, 9, 30, 0, TimeSpan.FromHours(2)).AddTicks(10); // 1 µs
        using (var insert = _connection.Prepare("INSERT INTO people VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"))
        {
            Assert.Equal(8, insert.ParameterCount);
            Assert.Equal(1, insert.Bind(1, "Ann").Bind(2, 41).Bind(3, 9_000_000_000L).Bind(4, 2.5).Bind(5, true)
                .Bind(6, 123456789.123456789m).Bind(7, seen).BindTimestamp(8, seen).Execute());
            Assert.Equal(1, insert.Bind(1, (string?)null).Bind(2, (int?)null).Bind(3, (long?)null).Bind(4, (double?)null)
                .Bind(5, (bool?)null).Bind(6, (decimal?)null).Bind(7, (DateTimeOffset?)null).BindNull(8).Execute());
        }

        using var result = _connection.Query("SELECT * FROM people ORDER BY rowid");
        Assert.Equal("Ann", result.GetString(0, 0));
        Assert.Equal(41, result.GetInt32(1, 0));
        Assert.Equal(9_000_000_000L, result.GetInt64(2, 0));
        Assert.Equal(2.5, result.GetDouble(3, 0));
        Assert.True(result.GetBoolean(4, 0));
        Assert.Equal(123456789.123456789m, result.GetDecimal(5, 0));
        Assert.Equal(seen, result.GetDateTimeOffset(6, 0));
        Assert.Equal(seen.ToUniversalTime(), result.GetDateTimeOffset(7, 0));
        Assert.All(Enumerable.Range(0, 8), c => Assert.True(result.IsNull(c, 1)));
    }

    [Theory]
    [InlineData("O'Brien")]
    [InlineData("'); DROP TABLE people; --")]
    [InlineData("$1")]
    [InlineData("\"quoted\" and 'single' and `back`")]
    public void Strings_are_values_never_sql(string name)
    {
        using (var insert = _connection.Prepare("INSERT INTO people (name) VALUES ($1)"))
        {
            insert.Bind(1, name).Execute();
        }

        using var select = _connection.Prepare("SELECT count(*) FROM people WHERE name = $1");
        Assert.Equal(1L, select.Bind(1, name).QueryScalar<long>());
        Assert.Equal(name, _connection.QueryScalar<string>("SELECT name FROM people"));
        Assert.Equal(1L, _connection.QueryScalar<long>("SELECT count(*) FROM information_schema.tables WHERE table_name = 'people'"));
    }

    [Fact]
    public void A_statement_runs_again_with_new_bindings()
    {
        using (var insert = _connection.Prepare("INSERT INTO people (name, age) VALUES (?, ?)"))
        {
            for (var i = 0; i < 100; i++)
            {
                insert.Bind(1, "p" + i).Bind(2, i).Execute();
            }
        }

        using var query = _connection.Prepare("SELECT count(*), sum(age) FROM people WHERE age >= $1");
        using (var result = query.Bind(1, 90).Query())
        {
            Assert.Equal(10L, result.GetInt64(0, 0));
            Assert.Equal(945L, result.GetInt64(1, 0)); // SUM(INTEGER) is HUGEINT
            Assert.Equal(DuckDbType.HugeInt, result.GetColumnType(1));
        }

        Assert.Equal(100L, query.Bind(1, 0).QueryScalar<long>());
        query.ClearBindings();
        Assert.Throws<DuckDbException>(() => query.QueryScalar<long>());
    }

    [Fact]
    public void Decimal_parameters_are_exact()
    {
        _connection.Execute("INSERT INTO people (name, spent) VALUES ('a', 0.000000001), ('b', 123456789.123456789)");
        using var query = _connection.Prepare("SELECT name FROM people WHERE spent = $1");
        Assert.Equal("a", query.Bind(1, 0.000000001m).QueryScalar<string>());
        Assert.Equal("b", query.Bind(1, 123456789.123456789m).QueryScalar<string>());
        Assert.Null(query.Bind(1, 123456789.12345679m).QueryScalar<string?>());
        Assert.Equal(-79228162514264337593543950335m, _connection.Prepare("SELECT $1").Bind(1, decimal.MinValue).QueryScalar<decimal>());
    }

    [Fact]
    public void Timestamp_parameters_filter_at_microsecond_precision()
    {
        var t0 = new DateTimeOffset(2026, 11, 21, 0, 0, 0, TimeSpan.Zero);
        using (var appender = _connection.CreateAppender("people"))
        {
            for (var i = 0; i < 5; i++)
            {
                appender.Append("p" + i).AppendNull().AppendNull().AppendNull().AppendNull().AppendNull()
                    .AppendTimestamp(t0.AddTicks(i * 10)).AppendTimestamp(t0.AddTicks(i * 10)).EndRow();
            }
        }

        using var tz = _connection.Prepare("SELECT count(*) FROM people WHERE seen >= $1");
        Assert.Equal(3L, tz.Bind(1, t0.AddTicks(20)).QueryScalar<long>());
        using var naive = _connection.Prepare("SELECT count(*) FROM people WHERE seen_naive >= $1");
        Assert.Equal(3L, naive.BindTimestamp(1, t0.AddTicks(20)).QueryScalar<long>());
        Assert.Equal(3L, naive.Bind(1, t0.AddTicks(20)).QueryScalar<long>());
    }
}
