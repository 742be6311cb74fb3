using DuckDB.NET.Data;
using LensAI.Backend.DuckDb;

namespace LensAI.Backend.Tests.DuckDb;

/// <summary>Errors carry DuckDB's own message and type (the CLI prints them as they are).</summary>
public sealed class DuckDbErrorTests : IDisposable
{
    private readonly DuckDbConnectionFactory _duckDb = new();
    private readonly DuckDBConnection _connection;

    public DuckDbErrorTests() => _connection = _duckDb.Open();

    public void Dispose()
    {
        _connection.Dispose();
        _duckDb.Dispose();
    }

    [Fact]
    public void Bad_sql_is_a_parser_error_with_DuckDBs_text()
    {
        var error = Assert.Throws<DuckDBException>(() => _connection.Execute("SELEC 1"));
        Assert.StartsWith("Parser Error: syntax error at or near \"SELEC\"", error.Message, StringComparison.Ordinal);
        Assert.StartsWith("Parser Error", Assert.Throws<DuckDBException>(() => _connection.Execute("SELECT FROM WHERE")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_table_is_a_catalog_error_naming_it()
    {
        var error = Assert.Throws<DuckDBException>(() => _connection.ScalarInt64("SELECT count(*) FROM no_such_table"));
        Assert.StartsWith("Catalog Error: Table with name no_such_table does not exist!", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Conversion_errors_name_the_value_even_when_it_came_as_a_parameter()
    {
        var error = Assert.Throws<DuckDBException>(() => _connection.ScalarInt64("SELECT 'abc'::INTEGER"));
        Assert.Contains("Could not convert string 'abc' to INT32", error.Message, StringComparison.Ordinal);
        Assert.Equal(DuckDB.NET.Native.DuckDBErrorType.Conversion, error.ErrorType);
        error = Assert.Throws<DuckDBException>(() => _connection.ScalarInt64("SELECT $v::INTEGER", ("v", "it's")));
        Assert.Contains("Could not convert string 'it's' to INT32", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failing_statement_in_a_script_fails_the_call_and_earlier_statements_stay_done()
    {
        var error = Assert.Throws<DuckDBException>(() => _connection.Execute(
            "CREATE TABLE s (i INTEGER); INSERT INTO s VALUES (1); INSERT INTO s VALUES ('x'); INSERT INTO s VALUES (3)"));
        Assert.Contains("Could not convert string 'x' to INT32", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, _connection.ScalarInt64("SELECT count(*) FROM s"));
    }

    [Fact]
    public void A_parameter_left_unbound_is_refused()
    {
        Assert.Throws<InvalidOperationException>(() => _connection.ScalarInt64("SELECT $a::INTEGER + $b::INTEGER", ("a", 1)));
        Assert.Equal(3, _connection.ScalarInt64("SELECT $a::INTEGER + $b::INTEGER", ("b", 2), ("a", 1), ("unused", "ignored")));
    }

    [Fact]
    public async Task Cancel_from_another_thread_stops_a_long_query()
    {
        using var command = _connection.Command("SELECT sum(hash(a)) FROM range(1000000000000) t(a)");
        var query = Task.Run(command.ExecuteScalar);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await Task.WhenAny(query, Task.Delay(20)) != query)
        {
            Assert.True(DateTime.UtcNow < deadline, "the query did not stop within 60 s of being cancelled");
            command.Cancel(); // again until it lands: a cancel before DuckDB starts the query is forgotten
        }

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => query);
        Assert.Equal(1, _connection.ScalarInt64("SELECT 1")); // the connection stays usable
    }
}
