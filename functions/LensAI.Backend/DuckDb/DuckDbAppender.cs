using System.Buffers;
using System.Globalization;
using System.Text;

namespace LensAI.Backend.DuckDb;

/// <summary>
/// DuckDB's row appender: the fast way to load rows into a table. Append one value per column, in table order,
/// then <see cref="EndRow"/>. Rows are buffered and written when DuckDB's buffer fills, on <see cref="Flush"/>, and
/// on <see cref="Close"/>/<see cref="Dispose"/>; constraint errors (NOT NULL, keys) surface there. DuckDB casts each
/// value to the column's type (a string into an INTEGER column is parsed, and fails if it is not a number). Not
/// thread-safe.
/// </summary>
/// <remarks>
/// Strings are encoded to UTF-8 on the stack (or in a buffer this appender keeps) and passed with their length: no
/// allocation per call. <see cref="Append(decimal)"/> is exact: the value goes as its decimal text, which DuckDB
/// parses into the DECIMAL column (rounding half away from zero past the column's scale).
/// If an append fails, or a row is left unfinished, the appender is unusable and <see cref="Dispose"/> discards the
/// rows not yet flushed instead of throwing over the original error; otherwise <see cref="Dispose"/> flushes and
/// throws <see cref="DuckDbException"/> if that fails.
/// </remarks>
public sealed unsafe class DuckDbAppender : IDisposable
{
    private const int StackLimit = 256;
    private readonly DuckDbAppenderHandle _handle;
    private readonly nint _raw;
    private byte[]? _buffer;
    private int _column;
    private bool _faulted;
    private bool _closed;

    internal DuckDbAppender(DuckDbAppenderHandle handle)
    {
        _handle = handle;
        _raw = handle.DangerousGetHandle();
        ColumnCount = (int)DuckDbNative.duckdb_appender_column_count(handle);
    }

    /// <summary>Number of columns each row has.</summary>
    public int ColumnCount { get; }

    /// <summary>Appends a VARCHAR (UTF-8), or NULL when <paramref name="value"/> is null.</summary>
    public DuckDbAppender Append(string? value) => value is null ? AppendNull() : Append(value.AsSpan());

    /// <summary>Appends a VARCHAR (UTF-8).</summary>
    public DuckDbAppender Append(ReadOnlySpan<char> value)
    {
        EnsureOpen();
        if (value.Length <= StackLimit / 3)
        {
            Span<byte> stack = stackalloc byte[StackLimit];
            var written = Encoding.UTF8.GetBytes(value, stack);
            return AppendUtf8Core(stack[..written]);
        }

        var needed = Encoding.UTF8.GetByteCount(value);
        var buffer = RentBuffer(needed);
        var length = Encoding.UTF8.GetBytes(value, buffer);
        return AppendUtf8Core(buffer.AsSpan(0, length));
    }

    /// <summary>Appends a VARCHAR given as UTF-8 bytes (e.g. straight from a JSON reader).</summary>
    public DuckDbAppender AppendUtf8(ReadOnlySpan<byte> utf8)
    {
        EnsureOpen();
        return AppendUtf8Core(utf8);
    }

    /// <summary>Appends an INTEGER.</summary>
    public DuckDbAppender Append(int value)
    {
        EnsureOpen();
        return Check(DuckDbNative.duckdb_append_int32(_raw, value));
    }

    /// <summary>Appends a BIGINT.</summary>
    public DuckDbAppender Append(long value)
    {
        EnsureOpen();
        return Check(DuckDbNative.duckdb_append_int64(_raw, value));
    }

    /// <summary>Appends a BOOLEAN.</summary>
    public DuckDbAppender Append(bool value)
    {
        EnsureOpen();
        return Check(DuckDbNative.duckdb_append_bool(_raw, value));
    }

    /// <summary>Appends a DOUBLE.</summary>
    public DuckDbAppender Append(double value)
    {
        EnsureOpen();
        return Check(DuckDbNative.duckdb_append_double(_raw, value));
    }

    /// <summary>Appends an exact decimal (e.g. into DECIMAL(18,9): 0.000000001 and 123456789.123456789 stay exact).</summary>
    public DuckDbAppender Append(decimal value)
    {
        EnsureOpen();
        Span<byte> text = stackalloc byte[64];
        if (!value.TryFormat(text, out var written, default, CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException("A decimal did not fit its text buffer.");
        }

        return AppendUtf8Core(text[..written]);
    }

    /// <summary>
    /// Appends the instant <paramref name="value"/> to the microsecond (sub-microsecond ticks are dropped). Into a
    /// TIMESTAMPTZ column it is the exact instant whatever the session time zone (DuckDB stores the microseconds
    /// unchanged); into a TIMESTAMP column it is the UTC wall-clock time.
    /// </summary>
    public DuckDbAppender AppendTimestamp(DateTimeOffset value)
    {
        EnsureOpen();
        var timestamp = new DuckDbTimestampStruct { Micros = DuckDbValues.ToUnixMicros(value) };
        return Check(DuckDbNative.duckdb_append_timestamp(_raw, timestamp));
    }

    /// <summary>Appends NULL.</summary>
    public DuckDbAppender AppendNull()
    {
        EnsureOpen();
        return Check(DuckDbNative.duckdb_append_null(_raw));
    }

    /// <summary>Appends <paramref name="value"/>, or NULL.</summary>
    public DuckDbAppender Append(int? value) => value is { } v ? Append(v) : AppendNull();

    /// <summary>Appends <paramref name="value"/>, or NULL.</summary>
    public DuckDbAppender Append(long? value) => value is { } v ? Append(v) : AppendNull();

    /// <summary>Appends <paramref name="value"/>, or NULL.</summary>
    public DuckDbAppender Append(bool? value) => value is { } v ? Append(v) : AppendNull();

    /// <summary>Appends <paramref name="value"/>, or NULL.</summary>
    public DuckDbAppender Append(double? value) => value is { } v ? Append(v) : AppendNull();

    /// <summary>Appends <paramref name="value"/>, or NULL.</summary>
    public DuckDbAppender Append(decimal? value) => value is { } v ? Append(v) : AppendNull();

    /// <summary>Appends <paramref name="value"/> (see <see cref="AppendTimestamp(DateTimeOffset)"/>), or NULL.</summary>
    public DuckDbAppender AppendTimestamp(DateTimeOffset? value) => value is { } v ? AppendTimestamp(v) : AppendNull();

    /// <summary>Finishes the row (every column must have been appended).</summary>
    public void EndRow()
    {
        EnsureOpen();
        if (DuckDbNative.duckdb_appender_end_row(_raw) != DuckDbState.Success)
        {
            throw Fault();
        }

        _column = 0;
    }

    /// <summary>Writes the buffered rows to the table now (throws DuckDB's error, e.g. a constraint violation).</summary>
    public void Flush()
    {
        EnsureOpen();
        if (DuckDbNative.duckdb_appender_flush(_raw) != DuckDbState.Success)
        {
            throw Fault();
        }

        GC.KeepAlive(this); // the raw handle is only valid while this appender (and its SafeHandle) is reachable
    }

    /// <summary>Flushes and closes the appender (idempotent); throws DuckDB's error if the final flush fails.</summary>
    public void Close()
    {
        if (_closed || _handle.IsClosed)
        {
            return;
        }

        _closed = true;
        try
        {
            if (DuckDbNative.duckdb_appender_close(_raw) != DuckDbState.Success)
            {
                _faulted = true;
                throw ReadError(_raw, "DuckDB could not close the appender.");
            }
        }
        finally
        {
            Release();
        }
    }

    /// <summary>
    /// Flushes and closes (as <see cref="Close"/>), unless an append failed or a row is unfinished: then the rows
    /// not yet flushed are discarded without another exception. Idempotent.
    /// </summary>
    public void Dispose()
    {
        if (_faulted || _column != 0)
        {
            if (!_closed && !_handle.IsClosed)
            {
                _ = DuckDbNative.duckdb_appender_clear(_raw);
            }

            _closed = true;
            Release();
            return;
        }

        Close();
    }

    internal static DuckDbException ReadError(nint appender, string fallback)
    {
        if (appender == 0)
        {
            return new DuckDbException(fallback);
        }

        var error = DuckDbNative.duckdb_appender_error_data(appender);
        if (error == 0)
        {
            return new DuckDbException(fallback);
        }

        try
        {
            var message = DuckDbNative.Utf8(DuckDbNative.duckdb_error_data_message(error));
            return new DuckDbException(string.IsNullOrEmpty(message) ? fallback : message, DuckDbNative.duckdb_error_data_error_type(error));
        }
        finally
        {
            DuckDbNative.duckdb_destroy_error_data(ref error);
        }
    }

    private void Release()
    {
        _handle.Dispose();
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }
    }

    private DuckDbAppender AppendUtf8Core(ReadOnlySpan<byte> utf8)
    {
        byte empty = 0;
        fixed (byte* p = utf8)
        {
            // A non-null pointer even for "" (DuckDB reads 0 bytes from it).
            return Check(DuckDbNative.duckdb_append_varchar_length(_raw, p == null ? &empty : p, (ulong)utf8.Length));
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

    private DuckDbAppender Check(DuckDbState state)
    {
        if (state != DuckDbState.Success)
        {
            throw Fault();
        }

        _column++;
        return this;
    }

    private DuckDbException Fault()
    {
        _faulted = true;
        return ReadError(_raw, "DuckDB rejected the appended value.");
    }

    private void EnsureOpen()
    {
        ObjectDisposedException.ThrowIf(_closed || _handle.IsClosed, this);
        if (_faulted)
        {
            throw new InvalidOperationException("A previous append failed; this appender can no longer be used. Dispose it (its unflushed rows are discarded) and start a new one.");
        }
    }
}
