using System.Globalization;
using System.Text;
using System.Text.Json;
using LensAI.Backend.DuckDb;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace LensAI.Cli.Rendering;

/// <summary>A query result as a Spectre table (collected, capped by --max-rows), or streamed as CSV (RFC 4180) or JSON.</summary>
internal sealed class QueryTable
{
    private static readonly HashSet<DuckDbType> s_readable =
    [
        DuckDbType.Boolean, DuckDbType.TinyInt, DuckDbType.SmallInt, DuckDbType.Integer, DuckDbType.BigInt, DuckDbType.UTinyInt,
        DuckDbType.USmallInt, DuckDbType.UInteger, DuckDbType.UBigInt, DuckDbType.HugeInt, DuckDbType.UHugeInt, DuckDbType.Float,
        DuckDbType.Double, DuckDbType.Decimal, DuckDbType.Varchar, DuckDbType.Enum, DuckDbType.Uuid, DuckDbType.Timestamp,
        DuckDbType.TimestampTz, DuckDbType.TimestampS, DuckDbType.TimestampMs, DuckDbType.TimestampNs, DuckDbType.Date,
    ];

    private QueryTable(IReadOnlyList<string> columns, IReadOnlyList<bool> numeric, List<object?[]> rows)
    {
        Columns = columns;
        Numeric = numeric;
        Rows = rows;
    }

    public IReadOnlyList<string> Columns { get; }

    public IReadOnlyList<bool> Numeric { get; }

    public IReadOnlyList<object?[]> Rows { get; }

    /// <summary>
    /// Runs <paramref name="sql"/>. Columns of types this DuckDB layer does not read (LIST, STRUCT, MAP, INTERVAL,
    /// BLOB…) are read as DuckDB's own text for them (<c>CAST(… AS VARCHAR)</c>).
    /// </summary>
    /// <exception cref="DuckDbException">DuckDB's error, verbatim.</exception>
    public static QueryTable Run(DuckDbConnection connection, string sql)
    {
        var (result, placeholders) = Open(connection, sql);
        using (result)
        {
            return Read(result, placeholders);
        }
    }

    /// <summary>
    /// Runs <paramref name="sql"/> and writes its rows as CSV (RFC 4180, header first) as they are read, without
    /// collecting them: for results too big to hold twice.
    /// </summary>
    public static long StreamCsv(DuckDbConnection connection, string sql, TextWriter output)
    {
        var (result, placeholders) = Open(connection, sql);
        using (result)
        {
            output.WriteLine(string.Join(',', result.ColumnNames.Select(Csv)));
            long rows = 0;
            var line = new StringBuilder();
            foreach (var row in result.Rows)
            {
                line.Clear();
                for (var i = 0; i < result.ColumnCount; i++)
                {
                    if (i > 0)
                    {
                        line.Append(',');
                    }

                    line.Append(Csv(Text(Value(result, row, i, placeholders))));
                }

                output.WriteLine(line);
                rows++;
            }

            return rows;
        }
    }

    /// <summary>Runs <paramref name="sql"/> and writes its rows as a JSON array of objects, one row at a time.</summary>
    public static long StreamJson(DuckDbConnection connection, string sql, TextWriter output)
    {
        var (result, placeholders) = Open(connection, sql);
        using (result)
        {
            var columns = result.ColumnNames;
            var buffer = new System.Buffers.ArrayBufferWriter<byte>();
            using var writer = new Utf8JsonWriter(buffer);
            output.Write('[');
            long rows = 0;
            foreach (var row in result.Rows)
            {
                buffer.ResetWrittenCount();
                writer.Reset(buffer);
                writer.WriteStartObject();
                for (var i = 0; i < columns.Count; i++)
                {
                    writer.WritePropertyName(columns[i]);
                    WriteValue(writer, Value(result, row, i, placeholders));
                }

                writer.WriteEndObject();
                writer.Flush();
                output.Write(rows++ == 0 ? "\n  " : ",\n  ");
                output.Write(Encoding.UTF8.GetString(buffer.WrittenSpan));
            }

            output.WriteLine(rows == 0 ? "]" : "\n]");
            return rows;
        }
    }

    /// <summary>
    /// Runs <paramref name="sql"/>. Columns of types this DuckDB layer does not read (LIST, STRUCT, MAP, INTERVAL,
    /// BLOB…) are read as DuckDB's own text for them (<c>CAST(… AS VARCHAR)</c>); when the query cannot be wrapped for
    /// that, they come back as placeholders naming their type.
    /// </summary>
    /// <exception cref="DuckDbException">DuckDB's error, verbatim.</exception>
    private static (DuckDbResult Result, HashSet<int> Placeholders) Open(DuckDbConnection connection, string sql)
    {
        var result = connection.Query(sql);
        var unreadable = Enumerable.Range(0, result.ColumnCount).Where(i => !s_readable.Contains(result.GetColumnType(i))).ToList();
        if (unreadable.Count == 0)
        {
            return (result, []);
        }

        var names = unreadable.Select(i => DuckDbSql.Identifier(result.GetColumnName(i))).ToList();
        var replace = string.Join(", ", names.Select(n => $"CAST({n} AS VARCHAR) AS {n}"));
        var body = sql.TrimEnd().TrimEnd(';');
        try
        {
            var retry = connection.Query($"SELECT * REPLACE ({replace}) FROM ({body})");
            result.Dispose();
            return (retry, []);
        }
        catch (DuckDbException)
        {
            // Not a query that nests (several statements, PRAGMA…): show those columns by type name.
            return (result, unreadable.ToHashSet());
        }
    }

    private static object? Value(DuckDbResult result, DuckDbRow row, int i, HashSet<int> placeholders)
        => placeholders.Contains(i) ? (row.IsNull(i) ? null : $"<{result.GetColumnType(i)}>") : row[i];

    private static QueryTable Read(DuckDbResult result, HashSet<int> placeholders)
    {
        var columns = result.ColumnNames;
        var numeric = Enumerable.Range(0, result.ColumnCount).Select(i => result.GetColumnType(i) is DuckDbType.TinyInt or DuckDbType.SmallInt or DuckDbType.Integer
            or DuckDbType.BigInt or DuckDbType.UTinyInt or DuckDbType.USmallInt or DuckDbType.UInteger or DuckDbType.UBigInt or DuckDbType.HugeInt
            or DuckDbType.UHugeInt or DuckDbType.Float or DuckDbType.Double or DuckDbType.Decimal).ToList();
        var rows = new List<object?[]>((int)Math.Min(result.RowCount, 1_000_000));
        foreach (var row in result.Rows)
        {
            var values = new object?[columns.Count];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = Value(result, row, i, placeholders);
            }

            rows.Add(values);
        }

        return new QueryTable(columns, numeric, rows);
    }

    public static string Text(object? value) => value switch
    {
        null => "",
        DateTimeOffset t => Format.Iso(t),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    public void WriteTable(IAnsiConsole console, int maxRows)
    {
        var table = new Table().RoundedBorder();
        for (var i = 0; i < Columns.Count; i++)
        {
            var column = new TableColumn(new Text(Columns[i]));
            table.AddColumn(Numeric[i] ? column.RightAligned() : column);
        }

        foreach (var row in Rows.Take(maxRows))
        {
            table.AddRow(row.Select(v => v is null ? (IRenderable)new Markup("[grey]NULL[/]") : new Text(Text(v))));
        }

        console.Write(table);
        var more = Rows.Count > maxRows ? $"; showing the first {Format.Count(maxRows)} (--max-rows, or --format csv / json for all)" : "";
        console.MarkupLineInterpolated($"[grey]{Format.Count(Rows.Count)} row(s){more}[/]");
    }

    private static void WriteValue(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null: writer.WriteNullValue(); break;
            case bool b: writer.WriteBooleanValue(b); break;
            case int n: writer.WriteNumberValue(n); break;
            case long n: writer.WriteNumberValue(n); break;
            case ulong n: writer.WriteNumberValue(n); break;
            case decimal n: writer.WriteNumberValue(n); break;
            case double n when double.IsFinite(n): writer.WriteNumberValue(n); break;
            case Int128 or UInt128: writer.WriteRawValue(Text(value)); break;
            default: writer.WriteStringValue(Text(value)); break;
        }
    }

    private static string Csv(string text)
        => text.AsSpan().IndexOfAny("\",\r\n") >= 0 || (text.Length > 0 && (char.IsWhiteSpace(text[0]) || char.IsWhiteSpace(text[^1])))
            ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
            : text;
}
