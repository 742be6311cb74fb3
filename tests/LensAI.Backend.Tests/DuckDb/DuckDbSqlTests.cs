using LensAI.Backend.DuckDb;

namespace LensAI.Backend.Tests.DuckDb;

/// <summary>The one quoting helper, proven against DuckDB itself, and the parameter helper's NUL guard.</summary>
public sealed class DuckDbSqlTests : IDisposable
{
    private readonly DuckDbConnectionFactory _duckDb = new();
    private readonly DuckDB.NET.Data.DuckDBConnection _connection;

    public DuckDbSqlTests() => _connection = _duckDb.Open();

    public static TheoryData<string> Hostile =>
    [
        "plain",
        "it's",
        "''",
        "'; DROP TABLE t; --",
        "double \" quote and \"\"two\"\"",
        "back\\slash \\' and \\\\",
        "new\nline\r\nand\ttab and \u0001 control",
        "é ü ✓ 😀 👩‍👩‍👧 中文 مرحبا עברית",
        "$1 ? $name",
        "%_ like wildcards %",
        new string('x', 10_000),
        "",
    ];

    public void Dispose()
    {
        _connection.Dispose();
        _duckDb.Dispose();
    }

    [Theory]
    [MemberData(nameof(Hostile))]
    public void A_quoted_identifier_names_exactly_that_column_and_table(string name)
    {
        if (name.Length == 0)
        {
            Assert.Throws<ArgumentException>(() => DuckDbSql.QuoteIdentifier(name));
            return;
        }

        var identifier = DuckDbSql.QuoteIdentifier(name);
        using var reader = _connection.Command($"SELECT 1 AS {identifier}").ExecuteReader();
        Assert.Equal(name, reader.GetName(0));

        _connection.Execute($"CREATE TEMP TABLE {identifier} ({identifier} VARCHAR)");
        _connection.Execute($"INSERT INTO {identifier} VALUES ($v)", ("v", name));
        Assert.Equal(name, _connection.Query($"SELECT {identifier} FROM {identifier}", r => r.GetString(0)).Single());
        Assert.Equal(1, _connection.ScalarInt64("SELECT count(*) FROM duckdb_tables() WHERE table_name = $name", ("name", name)));
        _connection.Execute($"DROP TABLE {identifier}");
    }

    [Fact]
    public void NUL_is_refused_with_a_clear_error_everywhere_a_value_meets_sql()
    {
        var identifier = Assert.Throws<ArgumentException>(() => DuckDbSql.QuoteIdentifier("a\0b"));
        Assert.Contains("U+0000", identifier.Message, StringComparison.Ordinal);

        // DuckDB.NET would cut a bound string at the NUL ('a'): the parameter helper refuses it instead, lists included.
        var parameter = Assert.Throws<ArgumentException>(() => _connection.ScalarInt64("SELECT length($v)", ("v", "a\0b")));
        Assert.Contains("'v'", parameter.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => _connection.Execute("SELECT $files", ("files", new List<string> { "ok", "bad\0" })));
    }
}
