using LensAI.Backend.DuckDb;

namespace LensAI.Backend.Tests.DuckDb;

public sealed class DuckDbErrorTests : IDisposable
{
    private readonly DuckDbDatabase _database = DuckDbDatabase.OpenInMemory();
    private readonly DuckDbConnection _connection;

    public DuckDbErrorTests() => _connection = _database.Connect();

    public void Dispose()
    {
        _connection.Dispose();
        _database.Dispose();
    }

    [Fact]
    public void Bad_sql_is_a_parser_error_with_DuckDBs_text()
    {
        var error = Assert.Throws<DuckDbException>(() => _connection.Execute("SELEC 1"));
        Assert.StartsWith("Parser Error: syntax error at or near \"SELEC\"", error.Message);
        Assert.Equal(DuckDbErrorType.Parser, error.ErrorType);

        error = Assert.Throws<DuckDbException>(() => _connection.Query("SELECT FROM WHERE"));
        Assert.StartsWith("Parser Error", error.Message);
    }

    [Fact]
    public void A_missing_table_is_a_catalog_error_naming_it()
    {
        var error = Assert.Throws<DuckDbException>(() => _connection.Query("SELECT * FROM no_such_table"));
        Assert.StartsWith("Catalog Error: Table with name no_such_table does not exist!", error.Message);
        Assert.Equal(DuckDbErrorType.Catalog, error.ErrorType);
    }

    [Fact]
    public void Conversion_errors_name_the_value()
    {
        var error = Assert.Throws<DuckDbException>(() => _connection.QueryScalar<int>("SELECT 'abc'::INTEGER"));
        Assert.Contains("Could not convert string 'abc' to INT32", error.Message);
        Assert.Equal(DuckDbErrorType.Conversion, error.ErrorType);
    }

    [Fact]
    public void A_failing_statement_in_a_script_fails_the_call_and_earlier_statements_stay_done()
    {
        var error = Assert.Throws<DuckDbException>(() => _connection.Execute(
            "CREATE TABLE s (i INTEGER); INSERT INTO s VALUES (1); INSERT INTO s VALUES ('x'); INSERT INTO s VALUES (3)"));
        Assert.Contains("Could not convert string 'x' to INT32", error.Message);
        Assert.Equal(1L, _connection.QueryScalar<long>("SELECT count(*) FROM s"));
    }

    [Fact]
    public void Prepare_errors_carry_DuckDBs_text()
    {
        var error = Assert.Throws<DuckDbException>(() => _connection.Prepare("SELECT * FROM nowhere WHERE x = $1"));
        Assert.Contains("Table with name nowhere does not exist", error.Message);
    }

    [Fact]
    public void Executing_with_a_parameter_unbound_fails_with_DuckDBs_text()
    {
        using var statement = _connection.Prepare("SELECT $1::INTEGER + $2::INTEGER");
        statement.Bind(1, 1);
        var error = Assert.Throws<DuckDbException>(() => statement.Query());
        Assert.Contains("parameter", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Binding_past_the_last_parameter_is_refused()
    {
        using var statement = _connection.Prepare("SELECT $1::INTEGER");
        Assert.Equal(1, statement.ParameterCount);
        var error = Assert.Throws<DuckDbException>(() => statement.Bind(2, 5));
        Assert.Contains("1 parameter", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => statement.Bind(0, 5));
    }

    [Fact]
    public void Appender_type_mismatch_carries_DuckDBs_text_and_discards_the_batch()
    {
        _connection.Execute("CREATE TABLE typed (i INTEGER, s VARCHAR)");
        using (var appender = _connection.CreateAppender("typed"))
        {
            appender.Append(1).Append("ok").EndRow();
            var error = Assert.Throws<DuckDbException>(() => appender.Append("abc"));
            Assert.Contains("Could not convert string 'abc' to INT32", error.Message);

            // The appender is now unusable; Dispose discards the unflushed rows without throwing over the error.
            Assert.Throws<InvalidOperationException>(() => appender.Append(2));
        }

        Assert.Equal(0L, _connection.QueryScalar<long>("SELECT count(*) FROM typed"));
    }

    [Fact]
    public void Appender_on_a_missing_table_fails_with_DuckDBs_text()
    {
        var error = Assert.Throws<DuckDbException>(() => _connection.CreateAppender("ghost"));
        Assert.Contains("ghost", error.Message);
    }

    [Fact]
    public void Appender_row_with_too_few_columns_fails_at_end_row()
    {
        _connection.Execute("CREATE TABLE two (a INTEGER, b INTEGER)");
        using var appender = _connection.CreateAppender("two");
        Assert.Equal(2, appender.ColumnCount);
        appender.Append(1);
        var error = Assert.Throws<DuckDbException>(() => appender.EndRow());
        Assert.Contains("column", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Appender_constraint_violations_surface_on_flush()
    {
        _connection.Execute("CREATE TABLE keyed (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL)");
        using var appender = _connection.CreateAppender("keyed");
        appender.Append(1).Append("a").EndRow();
        appender.Append(1).Append("b").EndRow();
        var error = Assert.Throws<DuckDbException>(() => appender.Flush());
        Assert.Contains("PRIMARY KEY or UNIQUE constraint", error.Message);
        Assert.Contains("duplicate key \"1\"", error.Message);
        Assert.Equal(DuckDbErrorType.Constraint, error.ErrorType);
    }

    [Fact]
    public void Appender_dispose_throws_when_the_final_flush_fails()
    {
        _connection.Execute("CREATE TABLE not_null (name VARCHAR NOT NULL)");
        var appender = _connection.CreateAppender("not_null");
        appender.AppendNull().EndRow();
        var error = Assert.Throws<DuckDbException>(appender.Dispose);
        Assert.Contains("NOT NULL constraint failed", error.Message);
        appender.Dispose(); // idempotent: the appender is closed now
    }

    [Fact]
    public async Task Interrupt_from_another_thread_stops_a_long_query()
    {
        using var started = new ManualResetEventSlim();
        var query = Task.Run(() =>
        {
            started.Set();
            return _connection.QueryScalar<long>("SELECT count(*) FROM range(10000000000) a");
        });
        started.Wait();

        // Interrupt until the query reports it (an interrupt that lands before the query starts is a no-op).
        while (!query.IsCompleted)
        {
            _connection.Interrupt();
            Thread.Yield();
        }

        var error = await Assert.ThrowsAsync<DuckDbException>(() => query);
        Assert.Contains("Interrupt", error.Message);
    }
}
