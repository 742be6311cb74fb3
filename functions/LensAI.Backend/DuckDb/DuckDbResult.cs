using System.Text;

namespace LensAI.Backend.DuckDb;

/// <summary>
/// A materialized query result: DuckDB's data chunks, read in place (no copy) until the result is disposed. Values
/// are read by (column, row), both from 0, or row by row through <see cref="Rows"/>. Getters read the types an
/// ingest/rollup backend uses: BOOLEAN, every integer type (incl. HUGEINT, which SUM of integers returns), FLOAT,
/// DOUBLE, DECIMAL (exact), VARCHAR/JSON, ENUM, UUID (as text), DATE and every TIMESTAMP type. Other types (LIST,
/// MAP, STRUCT, BLOB, INTERVAL, …) can be tested with <see cref="IsNull"/>; cast them to VARCHAR in SQL to read them.
/// Not thread-safe; after <see cref="Dispose"/> every read throws <see cref="ObjectDisposedException"/>.
/// </summary>
public sealed class DuckDbResult : IDisposable
{
    private readonly DuckDbResultHandle _handle;
    private readonly Column[] _columns;
    private readonly long[] _chunkStarts;
    private readonly long _uniformChunkSize;
    private readonly nint[] _data;
    private readonly nint[] _validity;

    internal DuckDbResult(DuckDbResultHandle handle)
    {
        _handle = handle;
        var columnCount = (int)DuckDbNative.duckdb_column_count(handle);
        RowsChanged = (long)DuckDbNative.duckdb_rows_changed(handle);
        _columns = new Column[columnCount];
        for (var c = 0; c < columnCount; c++)
        {
            _columns[c] = Column.Read(handle, c);
        }

        var chunks = new List<nint>();
        try
        {
            while (true)
            {
                var chunk = DuckDbNative.duckdb_fetch_chunk(handle.Value);
                if (chunk == 0)
                {
                    break;
                }

                if (DuckDbNative.duckdb_data_chunk_get_size(chunk) == 0)
                {
                    DuckDbNative.duckdb_destroy_data_chunk(ref chunk);
                    break;
                }

                chunks.Add(chunk);
            }
        }
        finally
        {
            handle.Chunks = [.. chunks];
        }

        _chunkStarts = new long[chunks.Count];
        _data = new nint[chunks.Count * columnCount];
        _validity = new nint[chunks.Count * columnCount];
        long rows = 0;
        var uniform = chunks.Count > 0 ? (long)DuckDbNative.duckdb_data_chunk_get_size(chunks[0]) : 0;
        for (var k = 0; k < chunks.Count; k++)
        {
            var size = (long)DuckDbNative.duckdb_data_chunk_get_size(chunks[k]);
            if (size != uniform && (k != chunks.Count - 1 || size > uniform))
            {
                uniform = 0; // only the last chunk may be shorter; any other difference means binary search
            }

            _chunkStarts[k] = rows;
            rows += size;
            for (var c = 0; c < columnCount; c++)
            {
                var vector = DuckDbNative.duckdb_data_chunk_get_vector(chunks[k], (ulong)c);
                unsafe
                {
                    _data[(k * columnCount) + c] = (nint)DuckDbNative.duckdb_vector_get_data(vector);
                    _validity[(k * columnCount) + c] = (nint)DuckDbNative.duckdb_vector_get_validity(vector);
                }
            }
        }

        RowCount = rows;
        _uniformChunkSize = uniform;
    }

    /// <summary>Number of columns.</summary>
    public int ColumnCount => _columns.Length;

    /// <summary>Number of rows.</summary>
    public long RowCount { get; }

    /// <summary>Rows changed by the statement (INSERT/UPDATE/DELETE/COPY); 0 for queries.</summary>
    public long RowsChanged { get; }

    /// <summary>The column names, in order.</summary>
    public IReadOnlyList<string> ColumnNames => Array.ConvertAll(_columns, c => c.Name);

    /// <summary>Every row, in order (a cursor over this result; valid until it is disposed).</summary>
    public IEnumerable<DuckDbRow> Rows
    {
        get
        {
            ThrowIfDisposed();
            return Enumerate();

            IEnumerable<DuckDbRow> Enumerate()
            {
                for (long row = 0; row < RowCount; row++)
                {
                    yield return new DuckDbRow(this, row);
                }
            }
        }
    }

    /// <summary>The name of column <paramref name="column"/>.</summary>
    public string GetColumnName(int column) => ColumnAt(column).Name;

    /// <summary>The DuckDB type of column <paramref name="column"/> (DECIMAL, not its storage type).</summary>
    public DuckDbType GetColumnType(int column) => ColumnAt(column).Type;

    /// <summary>The index of the column named <paramref name="name"/> (exact match first, then case-insensitive).</summary>
    /// <exception cref="ArgumentException">No such column.</exception>
    public int GetOrdinal(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        for (var c = 0; c < _columns.Length; c++)
        {
            if (string.Equals(_columns[c].Name, name, StringComparison.Ordinal))
            {
                return c;
            }
        }

        for (var c = 0; c < _columns.Length; c++)
        {
            if (string.Equals(_columns[c].Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return c;
            }
        }

        throw new ArgumentException($"The result has no column '{name}' (columns: {string.Join(", ", ColumnNames)}).", nameof(name));
    }

    /// <summary>Whether the value is SQL NULL (works for every type).</summary>
    public unsafe bool IsNull(int column, long row)
    {
        var slot = Locate(column, row, out var index);
        var validity = (ulong*)_validity[slot];
        var isNull = validity != null && (validity[index >> 6] & (1UL << (int)(index & 63))) == 0;
        GC.KeepAlive(this); // the chunk memory belongs to _handle: keep it (and us) alive until the read is done
        return isNull;
    }

    /// <summary>A VARCHAR (or JSON), ENUM or UUID value as text; null for SQL NULL.</summary>
    public unsafe string? GetString(int column, long row)
    {
        if (IsNull(column, row))
        {
            return null;
        }

        var text = ReadString(column, row);
        GC.KeepAlive(this);
        return text;
    }

    private unsafe string ReadString(int column, long row)
    {
        var slot = Locate(column, row, out var index);
        var info = _columns[column];
        var data = (byte*)_data[slot];
        switch (info.Type)
        {
            case DuckDbType.Varchar:
                var str = data + (index * 16);
                var length = *(uint*)str;
                var bytes = length <= 12 ? str + 4 : *(byte**)(str + 8);
                return Encoding.UTF8.GetString(bytes, checked((int)length));
            case DuckDbType.Enum:
                var ordinal = info.Storage switch
                {
                    DuckDbType.UTinyInt => data[index],
                    DuckDbType.USmallInt => ((ushort*)data)[index],
                    _ => (long)((uint*)data)[index],
                };
                return info.EnumValues![ordinal];
            case DuckDbType.Uuid:
                // DuckDB stores a UUID as a HUGEINT with the top bit flipped (so it sorts as unsigned).
                var value = (UInt128)((Int128*)data)[index] ^ (UInt128.One << 127);
                var hex = value.ToString("x32", System.Globalization.CultureInfo.InvariantCulture);
                return $"{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..]}";
            default:
                throw WrongType(column, "string");
        }
    }

    /// <summary>An integer value (any integer type, or a DECIMAL with scale 0).</summary>
    /// <exception cref="InvalidCastException">NULL, or not an integer type.</exception>
    /// <exception cref="OverflowException">Does not fit a <see cref="long"/>.</exception>
    public long GetInt64(int column, long row)
    {
        var value = ReadInteger(column, row, "long");
        return value >= long.MinValue && value <= long.MaxValue
            ? (long)value
            : throw new OverflowException($"Column '{_columns[column].Name}' row {row}: {value} does not fit Int64.");
    }

    /// <summary>An integer value that fits an <see cref="int"/>.</summary>
    /// <exception cref="InvalidCastException">NULL, or not an integer type.</exception>
    /// <exception cref="OverflowException">Does not fit an <see cref="int"/>.</exception>
    public int GetInt32(int column, long row)
    {
        var value = ReadInteger(column, row, "int");
        return value >= int.MinValue && value <= int.MaxValue
            ? (int)value
            : throw new OverflowException($"Column '{_columns[column].Name}' row {row}: {value} does not fit Int32.");
    }

    /// <summary>A DOUBLE or FLOAT; integers and DECIMALs are converted to the nearest double.</summary>
    /// <exception cref="InvalidCastException">NULL, or not a number.</exception>
    public unsafe double GetDouble(int column, long row)
    {
        var value = GetDoubleCore(column, row);
        GC.KeepAlive(this);
        return value;
    }

    private unsafe double GetDoubleCore(int column, long row)
    {
        ThrowIfNull(column, row);
        var slot = Locate(column, row, out var index);
        var info = _columns[column];
        var data = (byte*)_data[slot];
        switch (info.Type)
        {
            case DuckDbType.Double:
                return ((double*)data)[index];
            case DuckDbType.Float:
                return ((float*)data)[index];
            case DuckDbType.Decimal:
                return DuckDbValues.ToDouble(ReadUnscaled(info.Storage, data, index), info.Scale);
            case DuckDbType.UHugeInt:
                return (double)((UInt128*)data)[index];
            default:
                return IsInteger(info.Type) ? (double)ReadInteger(column, row, "double") : throw WrongType(column, "double");
        }
    }

    /// <summary>An exact DECIMAL (or integer) value. DECIMAL(18,9) and SUM(DECIMAL) results round-trip exactly.</summary>
    /// <exception cref="InvalidCastException">NULL, or not a DECIMAL/integer (DOUBLE is not exact: use <see cref="GetDouble"/>).</exception>
    /// <exception cref="OverflowException">Needs more than System.Decimal's 96 bits / 28 places.</exception>
    public unsafe decimal GetDecimal(int column, long row)
    {
        var value = GetDecimalCore(column, row);
        GC.KeepAlive(this);
        return value;
    }

    private unsafe decimal GetDecimalCore(int column, long row)
    {
        ThrowIfNull(column, row);
        var info = _columns[column];
        if (info.Type == DuckDbType.Decimal)
        {
            var slot = Locate(column, row, out var index);
            return DuckDbValues.ToDecimal(ReadUnscaled(info.Storage, (byte*)_data[slot], index), info.Scale);
        }

        return IsInteger(info.Type) ? DuckDbValues.ToDecimal(ReadInteger(column, row, "decimal"), 0) : throw WrongType(column, "decimal");
    }

    /// <summary>A BOOLEAN.</summary>
    /// <exception cref="InvalidCastException">NULL, or not a BOOLEAN.</exception>
    public unsafe bool GetBoolean(int column, long row)
    {
        var value = GetBooleanCore(column, row);
        GC.KeepAlive(this);
        return value;
    }

    private unsafe bool GetBooleanCore(int column, long row)
    {
        ThrowIfNull(column, row);
        var slot = Locate(column, row, out var index);
        return _columns[column].Type == DuckDbType.Boolean ? ((byte*)_data[slot])[index] != 0 : throw WrongType(column, "bool");
    }

    /// <summary>
    /// A TIMESTAMPTZ/TIMESTAMP (µs), TIMESTAMP_S/_MS/_NS (ns rounded down to 100 ns) or DATE (midnight) as a UTC
    /// <see cref="DateTimeOffset"/>. TIMESTAMP without a zone is taken as UTC.
    /// </summary>
    /// <exception cref="InvalidCastException">NULL, or not a date/timestamp.</exception>
    /// <exception cref="OverflowException">Infinite, or outside years 1–9999.</exception>
    public unsafe DateTimeOffset GetDateTimeOffset(int column, long row)
    {
        var value = GetDateTimeOffsetCore(column, row);
        GC.KeepAlive(this);
        return value;
    }

    private unsafe DateTimeOffset GetDateTimeOffsetCore(int column, long row)
    {
        ThrowIfNull(column, row);
        var slot = Locate(column, row, out var index);
        var data = (byte*)_data[slot];
        switch (_columns[column].Type)
        {
            case DuckDbType.Timestamp:
            case DuckDbType.TimestampTz:
                return DuckDbValues.FromUnixMicros(((long*)data)[index]);
            case DuckDbType.TimestampS:
                return DuckDbValues.FromUnixMicros(checked(((long*)data)[index] * 1_000_000));
            case DuckDbType.TimestampMs:
                return DuckDbValues.FromUnixMicros(checked(((long*)data)[index] * 1_000));
            case DuckDbType.TimestampNs:
                var ns = ((long*)data)[index];
                var micros = Math.DivRem(ns, 1000, out var rest) - (rest < 0 ? 1 : 0);
                return DuckDbValues.FromUnixMicros(micros).AddTicks((rest < 0 ? rest + 1000 : rest) / 100);
            case DuckDbType.Date:
                return DuckDbValues.FromUnixMicros(checked(((int*)data)[index] * 86_400_000_000L));
            default:
                throw WrongType(column, "DateTimeOffset");
        }
    }

    /// <summary>
    /// The value as a .NET object: null, <see cref="string"/>, <see cref="bool"/>, <see cref="int"/> (TINYINT …
    /// INTEGER, UTINYINT, USMALLINT), <see cref="long"/> (BIGINT, UINTEGER), <see cref="ulong"/>,
    /// <see cref="Int128"/>, <see cref="UInt128"/>, <see cref="double"/> (FLOAT, DOUBLE), <see cref="decimal"/>
    /// or <see cref="DateTimeOffset"/>.
    /// </summary>
    /// <exception cref="NotSupportedException">A type this layer does not read (cast it to VARCHAR in SQL).</exception>
    public unsafe object? GetValue(int column, long row)
    {
        var value = GetValueCore(column, row);
        GC.KeepAlive(this);
        return value;
    }

    private unsafe object? GetValueCore(int column, long row)
    {
        if (IsNull(column, row))
        {
            return null;
        }

        var slot = Locate(column, row, out var index);
        var data = (byte*)_data[slot];
        return _columns[column].Type switch
        {
            DuckDbType.Boolean => GetBoolean(column, row),
            DuckDbType.TinyInt or DuckDbType.SmallInt or DuckDbType.Integer or DuckDbType.UTinyInt or DuckDbType.USmallInt => GetInt32(column, row),
            DuckDbType.BigInt or DuckDbType.UInteger => GetInt64(column, row),
            DuckDbType.UBigInt => ((ulong*)data)[index],
            DuckDbType.HugeInt => ((Int128*)data)[index],
            DuckDbType.UHugeInt => ((UInt128*)data)[index],
            DuckDbType.Float or DuckDbType.Double => GetDouble(column, row),
            DuckDbType.Decimal => GetDecimal(column, row),
            DuckDbType.Varchar or DuckDbType.Enum or DuckDbType.Uuid => GetString(column, row),
            DuckDbType.Timestamp or DuckDbType.TimestampTz or DuckDbType.TimestampS or DuckDbType.TimestampMs or DuckDbType.TimestampNs or DuckDbType.Date
                => GetDateTimeOffset(column, row),
            var other => throw new NotSupportedException(
                $"Column '{_columns[column].Name}' is {other}, which this layer does not read; cast it to VARCHAR in SQL."),
        };
    }

    /// <summary>
    /// The value as <typeparamref name="T"/>: <c>string</c>, <c>long</c>, <c>int</c>, <c>double</c>, <c>decimal</c>,
    /// <c>bool</c>, <c>DateTimeOffset</c>, their nullable forms, or <c>object</c>. NULL gives null for a nullable
    /// <typeparamref name="T"/> and throws <see cref="InvalidCastException"/> otherwise.
    /// </summary>
    public T Get<T>(int column, long row)
    {
        if (IsNull(column, row))
        {
            return default(T) is null ? default! : throw NullValue(column, row);
        }

        var type = typeof(T);
        object? value =
            type == typeof(string) ? GetString(column, row) :
            type == typeof(long) || type == typeof(long?) ? GetInt64(column, row) :
            type == typeof(int) || type == typeof(int?) ? GetInt32(column, row) :
            type == typeof(double) || type == typeof(double?) ? GetDouble(column, row) :
            type == typeof(decimal) || type == typeof(decimal?) ? GetDecimal(column, row) :
            type == typeof(bool) || type == typeof(bool?) ? GetBoolean(column, row) :
            type == typeof(DateTimeOffset) || type == typeof(DateTimeOffset?) ? GetDateTimeOffset(column, row) :
            type == typeof(object) ? GetValue(column, row) :
            throw new NotSupportedException($"Reading {type.Name} is not supported; use string, long, int, double, decimal, bool, DateTimeOffset or object.");
        return (T)value!;
    }

    /// <summary>Closes the result and frees its memory (idempotent).</summary>
    public void Dispose() => _handle.Dispose();

    internal T Scalar<T>()
    {
        ThrowIfDisposed();
        if (RowCount == 0 || ColumnCount == 0)
        {
            return default(T) is null ? default! : throw new InvalidOperationException("The query returned no rows.");
        }

        return Get<T>(0, 0);
    }

    /// <summary>Throws DuckDB's error for a failed <c>duckdb_query</c>/<c>duckdb_execute_prepared</c>.</summary>
    internal static void ThrowIfFailed(DuckDbState state, DuckDbResultHandle result)
    {
        if (state == DuckDbState.Success)
        {
            return;
        }

        var message = DuckDbNative.Utf8(DuckDbNative.duckdb_result_error(result)) ?? "DuckDB reported an error without a message.";
        throw new DuckDbException(message, DuckDbNative.duckdb_result_error_type(result));
    }

    private Column ColumnAt(int column)
    {
        ThrowIfDisposed();
        if ((uint)column >= (uint)_columns.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(column), column, $"The result has {_columns.Length} column(s).");
        }

        return _columns[column];
    }

    private int Locate(int column, long row, out long index)
    {
        ThrowIfDisposed();
        if ((uint)column >= (uint)_columns.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(column), column, $"The result has {_columns.Length} column(s).");
        }

        if ((ulong)row >= (ulong)RowCount)
        {
            throw new ArgumentOutOfRangeException(nameof(row), row, $"The result has {RowCount} row(s).");
        }

        int chunk;
        if (_uniformChunkSize > 0)
        {
            chunk = (int)(row / _uniformChunkSize);
            index = row - (chunk * _uniformChunkSize);
        }
        else
        {
            chunk = Array.BinarySearch(_chunkStarts, row);
            if (chunk < 0)
            {
                chunk = ~chunk - 1;
            }

            index = row - _chunkStarts[chunk];
        }

        return (chunk * _columns.Length) + column;
    }

    private unsafe Int128 ReadInteger(int column, long row, string target)
    {
        var value = ReadIntegerCore(column, row, target);
        GC.KeepAlive(this);
        return value;
    }

    private unsafe Int128 ReadIntegerCore(int column, long row, string target)
    {
        ThrowIfNull(column, row);
        var slot = Locate(column, row, out var index);
        var info = _columns[column];
        var data = (byte*)_data[slot];
        return info.Type switch
        {
            DuckDbType.TinyInt => ((sbyte*)data)[index],
            DuckDbType.SmallInt => ((short*)data)[index],
            DuckDbType.Integer => ((int*)data)[index],
            DuckDbType.BigInt => ((long*)data)[index],
            DuckDbType.UTinyInt => data[index],
            DuckDbType.USmallInt => ((ushort*)data)[index],
            DuckDbType.UInteger => ((uint*)data)[index],
            DuckDbType.UBigInt => ((ulong*)data)[index],
            DuckDbType.HugeInt => ((Int128*)data)[index],
            DuckDbType.UHugeInt => ((UInt128*)data)[index] <= (UInt128)Int128.MaxValue
                ? (Int128)((UInt128*)data)[index]
                : throw new OverflowException($"Column '{info.Name}' row {row} exceeds Int128."),
            DuckDbType.Decimal when info.Scale == 0 => ReadUnscaled(info.Storage, data, index),
            _ => throw WrongType(column, target),
        };
    }

    private static unsafe Int128 ReadUnscaled(DuckDbType storage, byte* data, long index) => storage switch
    {
        DuckDbType.SmallInt => ((short*)data)[index],
        DuckDbType.Integer => ((int*)data)[index],
        DuckDbType.BigInt => ((long*)data)[index],
        DuckDbType.HugeInt => ((Int128*)data)[index],
        _ => throw new NotSupportedException($"DECIMAL stored as {storage} is not supported."),
    };

    private static bool IsInteger(DuckDbType type) => type is DuckDbType.TinyInt or DuckDbType.SmallInt or DuckDbType.Integer
        or DuckDbType.BigInt or DuckDbType.UTinyInt or DuckDbType.USmallInt or DuckDbType.UInteger or DuckDbType.UBigInt
        or DuckDbType.HugeInt or DuckDbType.UHugeInt;

    private void ThrowIfNull(int column, long row)
    {
        if (IsNull(column, row))
        {
            throw NullValue(column, row);
        }
    }

    private InvalidCastException NullValue(int column, long row)
        => new($"Column '{_columns[column].Name}' is NULL at row {row}; check IsNull or read it as a nullable type.");

    private InvalidCastException WrongType(int column, string target)
    {
        var info = _columns[column];
        var type = info.Type == DuckDbType.Decimal ? $"DECIMAL(?,{info.Scale})" : info.Type.ToString().ToUpperInvariant();
        return new InvalidCastException($"Column '{info.Name}' is {type}; it cannot be read as {target}.");
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_handle.IsClosed, this);

    private sealed record Column(string Name, DuckDbType Type, DuckDbType Storage, byte Scale, string[]? EnumValues)
    {
        public static Column Read(DuckDbResultHandle handle, int column)
        {
            var name = DuckDbNative.Utf8(DuckDbNative.duckdb_column_name(handle, (ulong)column)) ?? string.Empty;
            var type = DuckDbNative.duckdb_column_type(handle, (ulong)column);
            if (type is not (DuckDbType.Decimal or DuckDbType.Enum))
            {
                return new Column(name, type, type, 0, null);
            }

            var logical = DuckDbNative.duckdb_column_logical_type(handle, (ulong)column);
            try
            {
                if (type == DuckDbType.Decimal)
                {
                    return new Column(name, type, DuckDbNative.duckdb_decimal_internal_type(logical), DuckDbNative.duckdb_decimal_scale(logical), null);
                }

                var values = new string[DuckDbNative.duckdb_enum_dictionary_size(logical)];
                for (var i = 0; i < values.Length; i++)
                {
                    var text = DuckDbNative.duckdb_enum_dictionary_value(logical, (ulong)i);
                    try
                    {
                        values[i] = DuckDbNative.Utf8(text) ?? string.Empty;
                    }
                    finally
                    {
                        DuckDbNative.duckdb_free(text);
                    }
                }

                return new Column(name, type, DuckDbNative.duckdb_enum_internal_type(logical), 0, values);
            }
            finally
            {
                DuckDbNative.duckdb_destroy_logical_type(ref logical);
            }
        }
    }
}

/// <summary>One row of a <see cref="DuckDbResult"/>: the same getters, by column index or name.</summary>
public readonly struct DuckDbRow : IEquatable<DuckDbRow>
{
    internal DuckDbRow(DuckDbResult result, long index)
    {
        Result = result;
        Index = index;
    }

    /// <summary>The result this row belongs to.</summary>
    public DuckDbResult Result { get; }

    /// <summary>The row's index in <see cref="Result"/>.</summary>
    public long Index { get; }

    /// <summary>The value as a .NET object (see <see cref="DuckDbResult.GetValue"/>).</summary>
    public object? this[int column] => Result.GetValue(column, Index);

    /// <summary>The value of the named column as a .NET object.</summary>
    public object? this[string name] => Result.GetValue(Result.GetOrdinal(name), Index);

    public bool IsNull(int column) => Result.IsNull(column, Index);

    public string? GetString(int column) => Result.GetString(column, Index);

    public long GetInt64(int column) => Result.GetInt64(column, Index);

    public int GetInt32(int column) => Result.GetInt32(column, Index);

    public double GetDouble(int column) => Result.GetDouble(column, Index);

    public decimal GetDecimal(int column) => Result.GetDecimal(column, Index);

    public bool GetBoolean(int column) => Result.GetBoolean(column, Index);

    public DateTimeOffset GetDateTimeOffset(int column) => Result.GetDateTimeOffset(column, Index);

    public T Get<T>(int column) => Result.Get<T>(column, Index);

    public T Get<T>(string name) => Result.Get<T>(Result.GetOrdinal(name), Index);

    public bool Equals(DuckDbRow other) => ReferenceEquals(Result, other.Result) && Index == other.Index;

    public override bool Equals(object? obj) => obj is DuckDbRow other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Result, Index);

    public static bool operator ==(DuckDbRow left, DuckDbRow right) => left.Equals(right);

    public static bool operator !=(DuckDbRow left, DuckDbRow right) => !left.Equals(right);
}
