using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Unicode;

namespace LensAI.Backend.DuckDb;

/// <summary>Creates <see cref="DuckDbChunkAppender"/>s.</summary>
public static class DuckDbChunkAppenderExtensions
{
    /// <summary>
    /// Starts a column-oriented appender on <paramref name="table"/> (in <paramref name="schema"/>, default <c>main</c>;
    /// names are plain names, not SQL). Dispose it: that writes the last rows and throws DuckDB's error if it fails.
    /// </summary>
    /// <exception cref="DuckDbException">DuckDB's error, verbatim (e.g. the table does not exist).</exception>
    public static DuckDbChunkAppender CreateChunkAppender(this DuckDbConnection connection, string table, string? schema = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentException.ThrowIfNullOrEmpty(table);
        var state = DuckDbNative.duckdb_appender_create(connection.Handle, schema, table, out var appender);
        if (state != DuckDbState.Success)
        {
            var error = DuckDbAppender.ReadError(appender.IsInvalid ? 0 : appender.DangerousGetHandle(), $"DuckDB could not create an appender for '{table}'.");
            appender.Dispose();
            throw error;
        }

        try
        {
            return new DuckDbChunkAppender(appender, DuckDbChunkAppender.ReadColumnNames(connection, table, schema));
        }
        catch
        {
            appender.Dispose();
            throw;
        }
    }
}

/// <summary>
/// Appends rows to a table by writing each value straight into a DuckDB data chunk (one vector per column) and handing
/// DuckDB whole chunks of <c>duckdb_vector_size()</c> (2048) rows: a store per value instead of a native call per
/// value as in <see cref="DuckDbAppender"/>. Per row: <see cref="BeginRow"/>, one setter per column (any order, by
/// column index), <see cref="EndRow"/>. Not thread-safe.
/// </summary>
/// <remarks>
/// <para>
/// <b>Types are not converted.</b> Each setter writes one physical layout and accepts only the columns that have it:
/// <see cref="SetString(int, string)"/>/<see cref="SetUtf8"/> VARCHAR, <see cref="SetInt32(int, int)"/> INTEGER,
/// <see cref="SetInt64(int, long)"/> BIGINT, <see cref="SetBoolean(int, bool)"/> BOOLEAN, <see cref="SetDouble(int, double)"/> DOUBLE,
/// <see cref="SetTimestamp(int, DateTimeOffset)"/> TIMESTAMP and TIMESTAMPTZ (microseconds since 1970 UTC), <see cref="SetDecimal(int, decimal)"/>
/// DECIMAL of width up to 18 (exact; rounded half away from zero past the column's scale; out of range throws
/// <see cref="OverflowException"/>; wider DECIMALs throw <see cref="NotSupportedException"/>). Any other setter on a
/// column throws <see cref="ArgumentException"/> naming the column and both types. <see cref="SetNull"/> works on
/// every column, whatever its type.
/// </para>
/// <para>
/// <b>Every column must be set in every row</b> (use <see cref="SetNull"/> for NULL): <see cref="EndRow"/> throws
/// <see cref="InvalidOperationException"/> naming the columns left out, and setting a column twice in a row throws
/// too. A setter that throws (wrong type, overflow, invalid UTF-8) changes nothing: the row stays open, so the column
/// can still be set, or the row dropped with <see cref="CancelRow"/>.
/// </para>
/// <para>
/// Constraint errors (NOT NULL, keys) are DuckDB's and surface when DuckDB writes to the table: on
/// <see cref="Flush"/>, on <see cref="Dispose"/>, or on the <see cref="EndRow"/> that completes a chunk when DuckDB
/// flushes its own buffer (every 100 chunks). They throw <see cref="DuckDbException"/> with DuckDB's text, and the
/// appender is then unusable. <see cref="Dispose"/> writes the last rows and throws if that fails; after such an
/// error, or with a row still open (an exception escaped a <c>using</c> block mid-row), it discards the rows not yet
/// written instead.
/// </para>
/// </remarks>
public sealed unsafe class DuckDbChunkAppender : IDisposable
{
    private const int StackBytes = 512;
    private const int StackChars = StackBytes / 3; // UTF-8 needs at most 3 bytes per UTF-16 char
    private const int StringSlotBytes = 16; // sizeof(duckdb_string_t)
    private const int InlineBytes = 12; // strings up to this length live inside duckdb_string_t

    private static readonly ulong[] s_powersOfTen = CreatePowersOfTen();

    private readonly DuckDbAppenderHandle _handle;
    private readonly nint _appender;
    private readonly DuckDbDataChunkHandle _chunkHandle;
    private readonly nint _chunk;
    private readonly Column[] _columns;
    private readonly string?[] _names;
    private readonly int _capacity;
    private int _row; // the current (or next) row's slot in the chunk = finished rows in the chunk
    private bool _inRow;
    private int _setCount;
    private long _rowStamp; // columns whose Stamp equals it are set in the current row
    private byte[]? _buffer;
    private bool _faulted;
    private bool _disposed;

    internal DuckDbChunkAppender(DuckDbAppenderHandle handle, string?[]? names)
    {
        _handle = handle;
        _appender = handle.DangerousGetHandle();
        var count = checked((int)DuckDbNative.duckdb_appender_column_count(handle));
        _columns = new Column[count];
        _names = names is not null && names.Length == count ? names : new string?[count];
        _capacity = checked((int)DuckDbNative.duckdb_vector_size());

        var types = new nint[count];
        try
        {
            for (var i = 0; i < count; i++)
            {
                var type = DuckDbNative.duckdb_appender_column_type(handle, (ulong)i);
                if (type == 0)
                {
                    throw new DuckDbException($"DuckDB did not report the type of column {i} of the appender.");
                }

                types[i] = type;
                _columns[i] = ReadColumn(type);
            }

            nint chunk;
            fixed (nint* p = types)
            {
                chunk = DuckDbNative.duckdb_create_data_chunk(p, (ulong)count);
            }

            if (chunk == 0)
            {
                throw new DuckDbException("DuckDB could not create a data chunk for the appender's column types.");
            }

            _chunkHandle = new DuckDbDataChunkHandle(chunk);
            _chunk = chunk;
        }
        finally
        {
            for (var i = 0; i < types.Length; i++)
            {
                if (types[i] != 0)
                {
                    DuckDbNative.duckdb_destroy_logical_type(ref types[i]);
                }
            }
        }

        for (var i = 0; i < count; i++)
        {
            _columns[i].Vector = DuckDbNative.duckdb_data_chunk_get_vector(_chunk, (ulong)i);
        }

        FetchPointers();
    }

    /// <summary>Number of columns each row has (the table's columns, in order).</summary>
    public int ColumnCount => _columns.Length;

    /// <summary>Starts a row. Set every column, then <see cref="EndRow"/> (or <see cref="CancelRow"/>).</summary>
    public void BeginRow()
    {
        EnsureUsable();
        if (_inRow)
        {
            throw new InvalidOperationException("The previous row is still open: call EndRow (or CancelRow) before BeginRow.");
        }

        _rowStamp++;
        _setCount = 0;
        _inRow = true;
    }

    /// <summary>
    /// Finishes the row. Throws <see cref="InvalidOperationException"/> (the row stays open) if a column was not set.
    /// When the chunk is full it goes to DuckDB, which may throw <see cref="DuckDbException"/> (see the remarks).
    /// </summary>
    public void EndRow()
    {
        if (!_inRow)
        {
            ThrowNoRow();
        }

        if (_setCount != _columns.Length)
        {
            throw MissingColumns();
        }

        _inRow = false;
        if (++_row == _capacity)
        {
            AppendChunk();
        }
    }

    /// <summary>Drops the open row (nothing of it is written). Does nothing when no row is open.</summary>
    public void CancelRow()
    {
        if (!_inRow)
        {
            return;
        }

        // A NULL set in this row cleared the slot's validity bit; the next row reuses the slot, so restore it.
        var row = (uint)_row;
        foreach (ref var column in _columns.AsSpan())
        {
            if (column.Validity != null)
            {
                column.Validity[row >> 6] |= 1UL << (int)(row & 63);
            }
        }

        _inRow = false;
    }

    /// <summary>Sets a VARCHAR column, or NULL when <paramref name="value"/> is null. Encoded to UTF-8 without allocating.</summary>
    [SkipLocalsInit]
    public void SetString(int column, string? value)
    {
        if (value is null)
        {
            SetNull(column);
            return;
        }

        ref var c = ref Check(column, KindMask.Varchar, nameof(SetString));
        if (value.Length <= InlineBytes && TryAssignShortAscii(ref c, value))
        {
            return;
        }

        if (value.Length <= StackChars)
        {
            Span<byte> stack = stackalloc byte[StackBytes];
            var written = Encoding.UTF8.GetBytes(value, stack);
            Assign(ref c, stack[..written]);
            return;
        }

        var buffer = RentBuffer(Encoding.UTF8.GetByteCount(value));
        var length = Encoding.UTF8.GetBytes(value, buffer);
        Assign(ref c, buffer.AsSpan(0, length));
    }

    /// <summary>Sets a VARCHAR column from UTF-8 bytes (e.g. straight from a JSON reader); invalid UTF-8 throws <see cref="ArgumentException"/>.</summary>
    public void SetUtf8(int column, ReadOnlySpan<byte> utf8)
    {
        ref var c = ref Check(column, KindMask.Varchar, nameof(SetUtf8));
        if (!Utf8.IsValid(utf8))
        {
            // DuckDB would silently store NULL for it.
            throw new ArgumentException($"The value for column {Name(column)} is not valid UTF-8.", nameof(utf8));
        }

        Assign(ref c, utf8);
    }

    /// <summary>Sets an INTEGER column.</summary>
    public void SetInt32(int column, int value)
    {
        ref var c = ref Check(column, KindMask.Int32, nameof(SetInt32));
        Mark(ref c);
        ((int*)c.Data)[_row] = value;
    }

    /// <summary>Sets a BIGINT column.</summary>
    public void SetInt64(int column, long value)
    {
        ref var c = ref Check(column, KindMask.Int64, nameof(SetInt64));
        Mark(ref c);
        ((long*)c.Data)[_row] = value;
    }

    /// <summary>Sets a BOOLEAN column.</summary>
    public void SetBoolean(int column, bool value)
    {
        ref var c = ref Check(column, KindMask.Boolean, nameof(SetBoolean));
        Mark(ref c);
        c.Data[_row] = value ? (byte)1 : (byte)0;
    }

    /// <summary>Sets a DOUBLE column.</summary>
    public void SetDouble(int column, double value)
    {
        ref var c = ref Check(column, KindMask.Double, nameof(SetDouble));
        Mark(ref c);
        ((double*)c.Data)[_row] = value;
    }

    /// <summary>
    /// Sets a TIMESTAMPTZ column to the instant <paramref name="value"/>, or a TIMESTAMP column to its UTC wall-clock
    /// time, to the microsecond (sub-microsecond ticks are dropped, rounding toward the past).
    /// </summary>
    public void SetTimestamp(int column, DateTimeOffset value)
    {
        ref var c = ref Check(column, KindMask.Timestamp, nameof(SetTimestamp));
        Mark(ref c);
        ((long*)c.Data)[_row] = DuckDbValues.ToUnixMicros(value);
    }

    /// <summary>
    /// Sets a DECIMAL(w,s) column with w ≤ 18 exactly: <paramref name="value"/> × 10^s, rounded half away from zero
    /// past the scale (as DuckDB casts). Throws <see cref="OverflowException"/> if the result needs more than w
    /// digits, and <see cref="NotSupportedException"/> for w &gt; 18.
    /// </summary>
    public void SetDecimal(int column, decimal value)
    {
        ref var c = ref Check(column, KindMask.Decimal, nameof(SetDecimal));
        if (c.Kind == ColumnKind.DecimalHuge)
        {
            throw new NotSupportedException($"Column {Name(column)} is {TypeName(c)}: SetDecimal supports DECIMAL widths up to 18 (stored as 16-, 32- or 64-bit integers).");
        }

        if (!TryUnscale(value, c.Scale, c.DecimalMax, out var unscaled))
        {
            throw new OverflowException($"{value.ToString(System.Globalization.CultureInfo.InvariantCulture)} does not fit column {Name(column)} ({TypeName(c)}).");
        }

        Mark(ref c);
        switch (c.Kind)
        {
            case ColumnKind.Decimal16:
                ((short*)c.Data)[_row] = (short)unscaled;
                break;
            case ColumnKind.Decimal32:
                ((int*)c.Data)[_row] = (int)unscaled;
                break;
            default:
                ((long*)c.Data)[_row] = unscaled;
                break;
        }
    }

    /// <summary>Sets <paramref name="column"/> (of any type) to NULL.</summary>
    public void SetNull(int column)
    {
        ref var c = ref Check(column, KindMask.Any, nameof(SetNull));
        var validity = c.Validity;
        if (validity == null)
        {
            DuckDbNative.duckdb_vector_ensure_validity_writable(c.Vector);
            validity = c.Validity = DuckDbNative.duckdb_vector_get_validity(c.Vector);
            if (validity == null)
            {
                throw new DuckDbException($"DuckDB gave no validity mask for column {Name(column)}.");
            }
        }

        Mark(ref c);
        var row = (uint)_row;
        if (c.Kind == ColumnKind.Varchar)
        {
            // No stale string_t (pointing into a previous chunk's string heap) left under a NULL.
            var slot = c.Data + ((nint)row * StringSlotBytes);
            *(ulong*)slot = 0;
            *(ulong*)(slot + 8) = 0;
        }

        // duckdb.h's validity layout: one bit per row, 64 rows per uint64, bit set = valid
        // (what duckdb_validity_set_row_invalid does, without a native call per NULL).
        validity[row >> 6] &= ~(1UL << (int)(row & 63));
    }

    /// <summary>Sets <paramref name="value"/>, or NULL.</summary>
    public void SetInt32(int column, int? value)
    {
        if (value is { } v)
        {
            SetInt32(column, v);
        }
        else
        {
            SetNull(column);
        }
    }

    /// <summary>Sets <paramref name="value"/>, or NULL.</summary>
    public void SetInt64(int column, long? value)
    {
        if (value is { } v)
        {
            SetInt64(column, v);
        }
        else
        {
            SetNull(column);
        }
    }

    /// <summary>Sets <paramref name="value"/>, or NULL.</summary>
    public void SetBoolean(int column, bool? value)
    {
        if (value is { } v)
        {
            SetBoolean(column, v);
        }
        else
        {
            SetNull(column);
        }
    }

    /// <summary>Sets <paramref name="value"/>, or NULL.</summary>
    public void SetDouble(int column, double? value)
    {
        if (value is { } v)
        {
            SetDouble(column, v);
        }
        else
        {
            SetNull(column);
        }
    }

    /// <summary>Sets <paramref name="value"/> (see <see cref="SetTimestamp(int, DateTimeOffset)"/>), or NULL.</summary>
    public void SetTimestamp(int column, DateTimeOffset? value)
    {
        if (value is { } v)
        {
            SetTimestamp(column, v);
        }
        else
        {
            SetNull(column);
        }
    }

    /// <summary>Sets <paramref name="value"/> (see <see cref="SetDecimal(int, decimal)"/>), or NULL.</summary>
    public void SetDecimal(int column, decimal? value)
    {
        if (value is { } v)
        {
            SetDecimal(column, v);
        }
        else
        {
            SetNull(column);
        }
    }

    /// <summary>
    /// Hands the finished rows of the current chunk to DuckDB and writes everything buffered to the table
    /// (<c>duckdb_appender_flush</c>). Throws DuckDB's error (e.g. a NOT NULL violation); the appender is then unusable.
    /// </summary>
    public void Flush()
    {
        EnsureUsable();
        if (_inRow)
        {
            throw new InvalidOperationException("A row is open: call EndRow (or CancelRow) before Flush.");
        }

        if (_row > 0)
        {
            AppendChunk();
        }

        if (DuckDbNative.duckdb_appender_flush(_appender) != DuckDbState.Success)
        {
            throw Fault();
        }

        GC.KeepAlive(this); // the raw handles are valid only while this appender (and its SafeHandles) is reachable
    }

    /// <summary>
    /// Writes the remaining rows and closes the appender, throwing DuckDB's error if that fails — unless an error
    /// already made the appender unusable or a row is open: then the rows not yet written are discarded without
    /// another exception. The native appender and chunk are destroyed in every case. Idempotent.
    /// </summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        var discard = _faulted || _inRow;
        _inRow = false;
        try
        {
            if (!discard && !_handle.IsClosed)
            {
                if (_row > 0)
                {
                    AppendChunk();
                }

                if (DuckDbNative.duckdb_appender_close(_appender) != DuckDbState.Success)
                {
                    throw Fault();
                }
            }
        }
        finally
        {
            if ((discard || _faulted) && !_handle.IsClosed)
            {
                // Destroying an appender flushes what it holds: drop it first.
                _ = DuckDbNative.duckdb_appender_clear(_appender);
            }

            _chunkHandle.Dispose();
            _handle.Dispose();
            if (_buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = null;
            }
        }
    }

    /// <summary>
    /// Column names for messages, looked up the way <c>duckdb_appender_create</c> finds the table (the search path when
    /// <paramref name="schema"/> is null, so temp tables too). Best effort: null if DuckDB cannot describe the table;
    /// the caller ignores names whose count differs from the appender's (generated columns are not appended).
    /// </summary>
    internal static string?[]? ReadColumnNames(DuckDbConnection connection, string table, string? schema)
    {
        nint description = 0;
        try
        {
            if (DuckDbNative.duckdb_table_description_create(connection.Handle, schema, table, out description) != DuckDbState.Success)
            {
                return null;
            }

            var count = checked((int)DuckDbNative.duckdb_table_description_get_column_count(description));
            var names = new string?[count];
            for (var i = 0; i < count; i++)
            {
                var name = DuckDbNative.duckdb_table_description_get_column_name(description, (ulong)i);
                names[i] = DuckDbNative.Utf8(name);
                if (name != 0)
                {
                    DuckDbNative.duckdb_free(name);
                }
            }

            return names;
        }
        finally
        {
            if (description != 0)
            {
                DuckDbNative.duckdb_table_description_destroy(ref description);
            }
        }
    }

    /// <summary>
    /// <paramref name="value"/> × 10^<paramref name="scale"/> as an integer, rounded half away from zero; false if its
    /// magnitude exceeds <paramref name="max"/>.
    /// </summary>
    internal static bool TryUnscale(decimal value, int scale, long max, out long unscaled)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        var negative = bits[3] < 0;
        var sourceScale = (bits[3] >> 16) & 0xFF;
        var shift = scale - sourceScale; // > 0: multiply by 10^shift; < 0: divide by 10^-shift and round
        ulong magnitude;
        if (bits[2] == 0)
        {
            magnitude = ((ulong)(uint)bits[1] << 32) | (uint)bits[0];
            if (shift >= 0)
            {
                var factor = s_powersOfTen[shift]; // shift ≤ 18
                if (magnitude > (ulong)max / factor)
                {
                    unscaled = 0;
                    return false;
                }

                magnitude *= factor;
            }
            else
            {
                magnitude = DivideRounded(magnitude, -shift);
            }
        }
        else
        {
            // 65 to 96 bits: only a division can bring it into range.
            var wide = ((UInt128)(uint)bits[2] << 64) | ((UInt128)(uint)bits[1] << 32) | (uint)bits[0];
            if (shift >= 0)
            {
                unscaled = 0;
                return false;
            }

            var divisor = UInt128.One;
            for (var i = 0; i < -shift; i++)
            {
                divisor *= 10;
            }

            var (quotient, remainder) = UInt128.DivRem(wide, divisor);
            if (remainder >= divisor - remainder)
            {
                quotient++;
            }

            if (quotient > (ulong)max)
            {
                unscaled = 0;
                return false;
            }

            magnitude = (ulong)quotient;
        }

        if (magnitude > (ulong)max)
        {
            unscaled = 0;
            return false;
        }

        unscaled = negative ? -(long)magnitude : (long)magnitude;
        return true;
    }

    private static ulong DivideRounded(ulong magnitude, int digits)
    {
        if (digits >= s_powersOfTen.Length)
        {
            return 0; // 10^20 > 2 × ulong.MaxValue: below half
        }

        var divisor = s_powersOfTen[digits];
        var quotient = magnitude / divisor;
        var remainder = magnitude - (quotient * divisor);
        return remainder >= divisor - remainder ? quotient + 1 : quotient; // half away from zero (on the magnitude)
    }

    private static ulong[] CreatePowersOfTen()
    {
        var powers = new ulong[20]; // 10^0 … 10^19
        powers[0] = 1;
        for (var i = 1; i < powers.Length; i++)
        {
            powers[i] = powers[i - 1] * 10;
        }

        return powers;
    }

    private static Column ReadColumn(nint type)
    {
        var id = DuckDbNative.duckdb_get_type_id(type);
        var column = new Column { Type = id };
        column.Kind = id switch
        {
            DuckDbType.Varchar => ColumnKind.Varchar,
            DuckDbType.Integer => ColumnKind.Int32,
            DuckDbType.BigInt => ColumnKind.Int64,
            DuckDbType.Boolean => ColumnKind.Boolean,
            DuckDbType.Double => ColumnKind.Double,
            DuckDbType.Timestamp or DuckDbType.TimestampTz => ColumnKind.Timestamp,
            DuckDbType.Decimal => ColumnKind.DecimalHuge, // refined below
            _ => ColumnKind.Other,
        };

        if (id == DuckDbType.Decimal)
        {
            column.Width = DuckDbNative.duckdb_decimal_width(type);
            column.Scale = DuckDbNative.duckdb_decimal_scale(type);
            column.Kind = DuckDbNative.duckdb_decimal_internal_type(type) switch
            {
                DuckDbType.SmallInt => ColumnKind.Decimal16,
                DuckDbType.Integer => ColumnKind.Decimal32,
                DuckDbType.BigInt => ColumnKind.Decimal64,
                _ => ColumnKind.DecimalHuge,
            };
            if (column.Kind != ColumnKind.DecimalHuge)
            {
                column.DecimalMax = (long)s_powersOfTen[column.Width] - 1;
            }
        }

        column.Mask = (KindMask)(1u << (int)column.Kind);
        return column;
    }

    private static string TypeName(in Column column) => column.Type switch
    {
        DuckDbType.Decimal => $"DECIMAL({column.Width},{column.Scale})",
        DuckDbType.TimestampTz => "TIMESTAMPTZ",
        DuckDbType.Integer => "INTEGER",
        DuckDbType.BigInt => "BIGINT",
        DuckDbType.SmallInt => "SMALLINT",
        DuckDbType.TinyInt => "TINYINT",
        DuckDbType.HugeInt => "HUGEINT",
        var other => other.ToString().ToUpperInvariant(),
    };

    private static string Expected(KindMask accepted) => accepted switch
    {
        KindMask.Varchar => "VARCHAR",
        KindMask.Int32 => "INTEGER",
        KindMask.Int64 => "BIGINT",
        KindMask.Boolean => "BOOLEAN",
        KindMask.Double => "DOUBLE",
        KindMask.Timestamp => "TIMESTAMP or TIMESTAMPTZ",
        _ => "DECIMAL",
    };

    /// <summary>The column if it may be set now by a setter accepting <paramref name="accepted"/>; throws otherwise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref Column Check(int column, KindMask accepted, string setter)
    {
        var columns = _columns;
        if ((uint)column < (uint)columns.Length && _inRow)
        {
            ref var c = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(columns), column);
            if ((c.Mask & accepted) != 0 && c.Stamp != _rowStamp)
            {
                return ref c;
            }
        }

        ThrowCheckFailed(column, accepted, setter);
        return ref Unsafe.NullRef<Column>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Mark(ref Column column)
    {
        column.Stamp = _rowStamp;
        _setCount++;
    }

    /// <summary>Stores an ASCII string of at most 12 chars inline (see <see cref="Assign"/>); false if it is not ASCII.</summary>
    private bool TryAssignShortAscii(ref Column column, string value)
    {
        var slot = column.Data + ((nint)_row * StringSlotBytes);
        *(ulong*)slot = 0;
        *(ulong*)(slot + 8) = 0;
        var bytes = slot + 4;
        for (var i = 0; i < value.Length; i++)
        {
            var ch = value[i];
            if (ch >= 0x80)
            {
                return false; // the caller encodes it and rewrites the whole slot
            }

            bytes[i] = (byte)ch;
        }

        *(uint*)slot = (uint)value.Length;
        Mark(ref column);
        return true;
    }

    /// <summary>Stores valid UTF-8 <paramref name="utf8"/> in the current row of a VARCHAR column.</summary>
    private void Assign(ref Column column, ReadOnlySpan<byte> utf8)
    {
        Mark(ref column);
        if (utf8.Length <= InlineBytes)
        {
            // duckdb.h's duckdb_string_t, inlined form: uint32 length, then the bytes zero-padded to 12 (as DuckDB's
            // own string_t constructor writes it). Nothing for DuckDB to allocate, so no native call.
            var slot = column.Data + ((nint)_row * StringSlotBytes);
            *(ulong*)slot = 0;
            *(ulong*)(slot + 8) = 0;
            *(uint*)slot = (uint)utf8.Length;
            utf8.CopyTo(new Span<byte>(slot + 4, InlineBytes));
            return;
        }

        fixed (byte* p = utf8)
        {
            // DuckDB copies the bytes into the vector's string heap, so the buffer can be reused at once.
            DuckDbNative.duckdb_vector_assign_string_element_len(column.Vector, (ulong)_row, p, (ulong)utf8.Length);
        }

        GC.KeepAlive(this);
    }

    private void AppendChunk()
    {
        DuckDbNative.duckdb_data_chunk_set_size(_chunk, (ulong)_row);
        if (DuckDbNative.duckdb_append_data_chunk(_appender, _chunk) != DuckDbState.Success)
        {
            throw Fault();
        }

        DuckDbNative.duckdb_data_chunk_reset(_chunk);
        _row = 0;
        FetchPointers();
        GC.KeepAlive(this);
    }

    /// <summary>Data pointers (again: a reset may move them); validity masks are fetched on the first NULL.</summary>
    private void FetchPointers()
    {
        foreach (ref var column in _columns.AsSpan())
        {
            column.Data = (byte*)DuckDbNative.duckdb_vector_get_data(column.Vector);
            column.Validity = null;
        }
    }

    private byte[] RentBuffer(int length)
    {
        if (_buffer is null || _buffer.Length < length)
        {
            if (_buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
            }

            _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(length, 4096));
        }

        return _buffer;
    }

    private DuckDbException Fault()
    {
        _faulted = true;
        _inRow = false;
        return DuckDbAppender.ReadError(_appender, "DuckDB rejected the appended rows.");
    }

    private void EnsureUsable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_faulted)
        {
            throw new InvalidOperationException("A previous append failed; this appender can no longer be used. Dispose it (its unwritten rows are discarded) and start a new one.");
        }
    }

    private string Name(int column) => _names[column] is { } name ? $"{column} '{name}'" : column.ToString(System.Globalization.CultureInfo.InvariantCulture);

    [DoesNotReturn]
    private void ThrowNoRow()
    {
        EnsureUsable();
        throw new InvalidOperationException("No row is open: call BeginRow first.");
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowCheckFailed(int column, KindMask accepted, string setter)
    {
        if (!_inRow)
        {
            ThrowNoRow();
        }

        ArgumentOutOfRangeException.ThrowIfNegative(column);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(column, _columns.Length);
        ref var c = ref _columns[column];
        if (c.Stamp == _rowStamp)
        {
            throw new InvalidOperationException($"Column {Name(column)} is already set in this row.");
        }

        throw new ArgumentException($"Column {Name(column)} is {TypeName(c)}; {setter} writes {Expected(accepted)}.", nameof(column));
    }

    private InvalidOperationException MissingColumns()
    {
        var missing = new List<string>();
        for (var i = 0; i < _columns.Length; i++)
        {
            if (_columns[i].Stamp != _rowStamp)
            {
                missing.Add($"{Name(i)} ({TypeName(_columns[i])})");
            }
        }

        return new InvalidOperationException($"The row is incomplete: set every column (SetNull for NULL) before EndRow. Not set: {string.Join(", ", missing)}.");
    }

    private enum ColumnKind
    {
        Other,
        Varchar,
        Int32,
        Int64,
        Boolean,
        Double,
        Timestamp,
        Decimal16,
        Decimal32,
        Decimal64,
        DecimalHuge,
    }

    [Flags]
    private enum KindMask : uint
    {
        None = 0,
        Varchar = 1u << (int)ColumnKind.Varchar,
        Int32 = 1u << (int)ColumnKind.Int32,
        Int64 = 1u << (int)ColumnKind.Int64,
        Boolean = 1u << (int)ColumnKind.Boolean,
        Double = 1u << (int)ColumnKind.Double,
        Timestamp = 1u << (int)ColumnKind.Timestamp,
        Decimal = (1u << (int)ColumnKind.Decimal16) | (1u << (int)ColumnKind.Decimal32) | (1u << (int)ColumnKind.Decimal64) | (1u << (int)ColumnKind.DecimalHuge),
        Any = uint.MaxValue,
    }

    private struct Column
    {
        public ColumnKind Kind;
        public KindMask Mask;
        public DuckDbType Type;
        public byte Width;
        public byte Scale;
        public long DecimalMax; // 10^Width - 1 (DECIMAL of width ≤ 18)
        public long Stamp;
        public nint Vector;
        public byte* Data;
        public ulong* Validity; // null until the chunk's first NULL in this column
    }
}
