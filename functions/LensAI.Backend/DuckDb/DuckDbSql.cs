namespace LensAI.Backend.DuckDb;

/// <summary>
/// The one place SQL text is made from a value: quoting for the few spots DuckDB takes no parameter (identifiers such as
/// a result column's name). Every other value from outside — ids, users, routes, models, metadata, instants, file paths
/// for <c>read_parquet</c> and <c>COPY … TO</c> — is a bound parameter (<see cref="DuckDbCommands"/>).
/// </summary>
internal static class DuckDbSql
{
    /// <summary>A double-quoted SQL identifier (<c>"a ""b"""</c>): any name, used as it is (case kept).</summary>
    /// <exception cref="ArgumentException">The name is empty or holds U+0000.</exception>
    public static string QuoteIdentifier(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        RejectNul(name, nameof(name));
        return "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>Throws when <paramref name="value"/> holds U+0000: DuckDB would cut the string there.</summary>
    public static void RejectNul(string value, string name)
    {
        ArgumentNullException.ThrowIfNull(value, name);
        if (value.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{name}' contains the character U+0000 (NUL), which a DuckDB string cannot hold.", name);
        }
    }
}
