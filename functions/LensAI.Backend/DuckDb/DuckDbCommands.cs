using System.Collections;
using System.Data.Common;
using System.Numerics;
using DuckDB.NET.Data;

namespace LensAI.Backend.DuckDb;

/// <summary>Commands with named parameters (<c>$name</c> in the SQL, bound as <see cref="DuckDBParameter"/>s).</summary>
internal static class DuckDbCommands
{
    /// <summary>
    /// A command for <paramref name="sql"/> with <paramref name="parameters"/> bound by name. A parameter the SQL does not
    /// use is ignored, so a caller may always pass e.g. <c>files</c> whether or not its relation reads them. A
    /// <see langword="null"/> value binds NULL; a list binds a DuckDB LIST (<c>read_parquet($files)</c>).
    /// </summary>
    /// <exception cref="ArgumentException">A string (or a string in a list) holds U+0000, which DuckDB would cut.</exception>
    public static DuckDBCommand Command(this DuckDBConnection connection, string sql, params ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            Check(name, value);
            command.Parameters.Add(new DuckDBParameter(name, value ?? DBNull.Value));
        }

        return command;
    }

    /// <summary>Runs <paramref name="sql"/>; returns the rows it changed (or wrote, for <c>COPY</c>).</summary>
    public static int Execute(this DuckDBConnection connection, string sql, params ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        using var command = connection.Command(sql, parameters);
        return command.ExecuteNonQuery();
    }

    /// <summary>The first column of the first row as a <see cref="long"/> (e.g. a <c>count(*)</c>).</summary>
    public static long ScalarInt64(this DuckDBConnection connection, string sql, params ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        using var command = connection.Command(sql, parameters);
        return command.ExecuteScalar() switch
        {
            BigInteger huge => (long)huge, // HUGEINT, e.g. sum(BIGINT); throws OverflowException beyond a long
            var value => Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture),
        };
    }

    /// <summary>Runs <paramref name="sql"/> and maps every row with <paramref name="map"/>.</summary>
    public static List<T> Query<T>(this DuckDBConnection connection, string sql, Func<DuckDBDataReader, T> map, params ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        using var command = connection.Command(sql, parameters);
        using var reader = command.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read())
        {
            rows.Add(map(reader));
        }

        return rows;
    }

    /// <summary>
    /// Column <paramref name="ordinal"/> of the current row as a plain .NET value: null for NULL, TIMESTAMP, TIMESTAMPTZ
    /// and DATE as a UTC <see cref="DateTimeOffset"/>, TINYINT…SMALLINT and UTINYINT…USMALLINT as <see cref="int"/>,
    /// UINTEGER as <see cref="long"/>, FLOAT as <see cref="double"/>, UUID as text; every other type as DuckDB.NET reads it
    /// (<see cref="long"/>, <see cref="decimal"/>, <see cref="string"/>, <see cref="BigInteger"/> for HUGEINT, …).
    /// </summary>
    public static object? Value(this DbDataReader reader, int ordinal)
    {
        if (reader.IsDBNull(ordinal))
        {
            return null;
        }

        return reader.GetValue(ordinal) switch
        {
            DateTime t => new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)), // DuckDB.NET reads instants in UTC
            DateOnly d => new DateTimeOffset(d.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero),
            float f => (double)f,
            sbyte n => (int)n,
            byte n => (int)n,
            short n => (int)n,
            ushort n => (int)n,
            uint n => (long)n,
            Guid g => g.ToString(),
            var other => other,
        };
    }

    private static void Check(string name, object? value)
    {
        switch (value)
        {
            case string text:
                DuckDbSql.RejectNul(text, name);
                break;
            case IEnumerable items and not string:
                foreach (var item in items)
                {
                    if (item is string s)
                    {
                        DuckDbSql.RejectNul(s, name);
                    }
                }

                break;
        }
    }
}
