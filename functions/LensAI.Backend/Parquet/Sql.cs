namespace LensAI.Backend.Parquet;

/// <summary>SQL text helpers for the few places a value must be inlined (file paths in COPY / read_parquet).</summary>
public static class Sql
{
    /// <summary>A single-quoted SQL string literal with quotes doubled.</summary>
    public static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>A DuckDB list of string literals: <c>['a', 'b']</c>.</summary>
    public static string List(IEnumerable<string> values) => "[" + string.Join(", ", values.Select(Literal)) + "]";
}
