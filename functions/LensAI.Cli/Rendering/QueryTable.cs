using System.Globalization;
using System.Text;
using System.Text.Json;
using LensAI.Backend.DuckDb;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace LensAI.Cli.Rendering;

/// <summary>A materialized query result and its three outputs: a Spectre table, CSV (RFC 4180) and JSON.</summary>
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
        var result = connection.Query(sql);
        try
        {
            var unreadable = Enumerable.Range(0, result.ColumnCount).Where(i => !s_readable.Contains(result.GetColumnType(i))).ToList();
            if (unreadable.Count > 0)
            {
                var names = unreadable.Select(i => DuckDbSql.Identifier(result.GetColumnName(i))).ToList();
                var replace = string.Join(", ", names.Select(n => $"CAST({n} AS VARCHAR) AS {n}"));
                var body = sql.TrimEnd().TrimEnd(';');
                DuckDbResult retry;
                try
                {
                    retry = connection.Query($"SELECT * REPLACE ({replace}) FROM ({body})");
                }
                catch (DuckDbException)
                {
                    // Not a query that nests (several statements, PRAGMA…): show those columns by type name.
                    return Read(result, unreadable.ToHashSet());
                }

                result.Dispose();
                result = retry;
            }

            return Read(result, []);
        }
        finally
        {
            result.Dispose();
        }
    }

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
                values[i] = placeholders.Contains(i) ? (row.IsNull(i) ? null : $"<{result.GetColumnType(i)}>") : row[i];
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

    public void WriteCsv(TextWriter output)
    {
        output.WriteLine(string.Join(',', Columns.Select(Csv)));
        foreach (var row in Rows)
        {
            output.WriteLine(string.Join(',', row.Select(v => Csv(Text(v)))));
        }
    }

    public void WriteJson(TextWriter output)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartArray();
            foreach (var row in Rows)
            {
                writer.WriteStartObject();
                for (var i = 0; i < Columns.Count; i++)
                {
                    writer.WritePropertyName(Columns[i]);
                    switch (row[i])
                    {
                        case null: writer.WriteNullValue(); break;
                        case bool b: writer.WriteBooleanValue(b); break;
                        case int n: writer.WriteNumberValue(n); break;
                        case long n: writer.WriteNumberValue(n); break;
                        case ulong n: writer.WriteNumberValue(n); break;
                        case decimal n: writer.WriteNumberValue(n); break;
                        case double n when double.IsFinite(n): writer.WriteNumberValue(n); break;
                        case Int128 or UInt128: writer.WriteRawValue(Text(row[i])); break;
                        default: writer.WriteStringValue(Text(row[i])); break;
                    }
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        output.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
    }

    private static string Csv(string text)
        => text.AsSpan().IndexOfAny("\",\r\n") >= 0 || (text.Length > 0 && (char.IsWhiteSpace(text[0]) || char.IsWhiteSpace(text[^1])))
            ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
            : text;
}
