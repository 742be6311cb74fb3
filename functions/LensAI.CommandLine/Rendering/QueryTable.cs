using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using DuckDB.NET.Data;
using LensAI.Backend.DuckDb;
using LensAI.Backend.Export;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace LensAI.Cli.Rendering;

/// <summary>
/// A query result as a Spectre table (collected, capped by --max-rows), or streamed as CSV (RFC 4180) or JSON. Of SQL
/// holding several statements, the first result with columns is shown; the statements after it still run.
/// </summary>
internal sealed class QueryTable
{
    /// <summary>The DuckDB types read as values; any other (LIST, STRUCT, MAP, INTERVAL, BLOB…) is shown as DuckDB's text for it.</summary>
    private static readonly HashSet<string> s_readable = new(StringComparer.Ordinal)
    {
        "Boolean", "TinyInt", "SmallInt", "Integer", "BigInt", "UnsignedTinyInt", "UnsignedSmallInt", "UnsignedInteger",
        "UnsignedBigInt", "HugeInt", "UnsignedHugeInt", "Float", "Double", "Decimal", "Varchar", "Enum", "Uuid",
        "Timestamp", "TimestampTz", "TimestampS", "TimestampMs", "TimestampNs", "Date",
    };

    private static readonly HashSet<string> s_numeric = new(StringComparer.Ordinal)
    {
        "TinyInt", "SmallInt", "Integer", "BigInt", "UnsignedTinyInt", "UnsignedSmallInt", "UnsignedInteger", "UnsignedBigInt",
        "HugeInt", "UnsignedHugeInt", "Float", "Double", "Decimal",
    };

    private QueryTable(IReadOnlyList<string> columns, IReadOnlyList<bool> numeric, List<object?[]> rows)
    {
        Columns = columns;
        Numeric = numeric;
        Rows = rows;
    }

    public IReadOnlyList<string> Columns { get; }

    public IReadOnlyList<bool> Numeric { get; }

    public IReadOnlyList<object?[]> Rows { get; }

    /// <summary>Runs <paramref name="sql"/> and collects its rows.</summary>
    /// <exception cref="DuckDBException">DuckDB's error, verbatim.</exception>
    public static QueryTable Run(DuckDBConnection connection, string sql)
    {
        using var result = Result.Open(connection, sql);
        var reader = result.Reader;
        var columns = result.Columns;
        var numeric = Enumerable.Range(0, columns.Count).Select(i => s_numeric.Contains(reader.GetDataTypeName(i))).ToList();
        var rows = new List<object?[]>();
        while (reader.Read())
        {
            var values = new object?[columns.Count];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = result.Value(i);
            }

            rows.Add(values);
        }

        return new QueryTable(columns, numeric, rows);
    }

    /// <summary>
    /// Runs <paramref name="sql"/> and writes its rows as CSV (RFC 4180, header first) as they are read, without
    /// collecting them: for results too big to hold twice. Text cells are neutralized like the export's
    /// (<see cref="ExportService.NeutralizeCsvCell"/>), so a spreadsheet never runs one as a formula.
    /// </summary>
    public static long StreamCsv(DuckDBConnection connection, string sql, TextWriter output)
    {
        using var result = Result.Open(connection, sql);
        output.WriteLine(string.Join(',', result.Columns.Select(Csv)));
        long rows = 0;
        var line = new StringBuilder();
        while (result.Reader.Read())
        {
            line.Clear();
            for (var i = 0; i < result.Columns.Count; i++)
            {
                if (i > 0)
                {
                    line.Append(',');
                }

                var value = result.Value(i);
                line.Append(Csv(value is string text ? ExportService.NeutralizeCsvCell(text) : Text(value))); // text from events: never a formula
            }

            output.WriteLine(line);
            rows++;
        }

        return rows;
    }

    /// <summary>Runs <paramref name="sql"/> and writes its rows as a JSON array of objects, one row at a time.</summary>
    public static long StreamJson(DuckDBConnection connection, string sql, TextWriter output)
    {
        using var result = Result.Open(connection, sql);
        var columns = result.Columns;
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using var writer = new Utf8JsonWriter(buffer);
        output.Write('[');
        long rows = 0;
        while (result.Reader.Read())
        {
            buffer.ResetWrittenCount();
            writer.Reset(buffer);
            writer.WriteStartObject();
            for (var i = 0; i < columns.Count; i++)
            {
                writer.WritePropertyName(columns[i]);
                WriteValue(writer, result.Value(i));
            }

            writer.WriteEndObject();
            writer.Flush();
            output.Write(rows++ == 0 ? "\n  " : ",\n  ");
            output.Write(Encoding.UTF8.GetString(buffer.WrittenSpan));
        }

        output.WriteLine(rows == 0 ? "]" : "\n]");
        return rows;
    }

    /// <summary>
    /// An open result: the reader on the first statement that returns columns. Columns of types not read as values
    /// (LIST, STRUCT, MAP, INTERVAL, BLOB…) are read as DuckDB's own text for them: the query runs (once) wrapped in
    /// <c>SELECT * REPLACE (CAST(… AS VARCHAR) AS …)</c>; when it cannot be wrapped (several statements, PRAGMA…) they
    /// are shown as placeholders naming their type. Disposing it runs the statements after the shown one.
    /// </summary>
    private sealed class Result : IDisposable
    {
        private readonly DuckDBCommand _command;
        private readonly HashSet<int> _placeholders;

        private Result(DuckDBCommand command, DuckDBDataReader reader, HashSet<int> placeholders)
        {
            _command = command;
            Reader = reader;
            _placeholders = placeholders;
            Columns = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToList();
        }

        public DuckDBDataReader Reader { get; }

        public List<string> Columns { get; }

        /// <exception cref="DuckDBException">DuckDB's error, verbatim.</exception>
        public static Result Open(DuckDBConnection connection, string sql)
        {
            // The statement runs once. Its column types come first from the query nested under LIMIT 0, which DuckDB binds
            // and plans as an empty result without running it; then either the query itself or, when some columns are
            // not readable as values, the query wrapped to cast those to text.
            var query = sql.TrimEnd().TrimEnd(';');
            var probed = Probe(connection, query);
            if (probed is { Count: > 0 } unreadable)
            {
                var replace = string.Join(", ", unreadable.Select(n => $"CAST({n} AS VARCHAR) AS {n}"));
                return Run(connection, $"SELECT * REPLACE ({replace}) FROM ({query})", placeholders: false);
            }

            // Types known and all readable, or not a query that nests (several statements, PRAGMA…, COPY…): run it as
            // written, and show columns of unreadable types by their type name.
            return Run(connection, sql, placeholders: probed is null);
        }

        /// <summary>The quoted names of the columns not readable as values, or null when the query cannot be nested.</summary>
        private static List<string>? Probe(DuckDBConnection connection, string query)
        {
            using var probe = connection.CreateCommand();
            probe.CommandText = $"SELECT * FROM ({query}) LIMIT 0";
            try
            {
                using var reader = probe.ExecuteReader();
                return Enumerable.Range(0, reader.FieldCount).Where(i => !s_readable.Contains(reader.GetDataTypeName(i)))
                    .Select(i => DuckDbSql.QuoteIdentifier(reader.GetName(i))).ToList();
            }
            catch (DuckDBException)
            {
                return null;
            }
        }

        private static Result Run(DuckDBConnection connection, string sql, bool placeholders)
        {
            var command = connection.CreateCommand();
            command.CommandText = sql;
            try
            {
                var reader = command.ExecuteReader();
                var unreadable = placeholders ? Enumerable.Range(0, reader.FieldCount).Where(i => !s_readable.Contains(reader.GetDataTypeName(i))).ToHashSet() : [];
                return new Result(command, reader, unreadable);
            }
            catch
            {
                command.Dispose();
                throw;
            }
        }

        /// <summary>The current row's value in column <paramref name="i"/> as a .NET value (null for NULL).</summary>
        public object? Value(int i) => _placeholders.Contains(i) && !Reader.IsDBNull(i) ? $"<{Reader.GetDataTypeName(i)}>" : Reader.Value(i);

        public void Dispose()
        {
            // The remaining statements run as the reader moves past the shown result.
            while (Reader.NextResult())
            {
            }

            Reader.Dispose();
            _command.Dispose();
        }
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
            case BigInteger: writer.WriteRawValue(Text(value)); break;
            default: writer.WriteStringValue(Text(value)); break;
        }
    }

    private static string Csv(string text)
        => text.AsSpan().IndexOfAny("\",\r\n") >= 0 || (text.Length > 0 && (char.IsWhiteSpace(text[0]) || char.IsWhiteSpace(text[^1])))
            ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
            : text;
}
