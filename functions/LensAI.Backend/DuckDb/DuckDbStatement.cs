using System.Buffers;
using System.Text;

namespace LensAI.Backend.DuckDb;

/// <summary>
/// A prepared statement. Parameters are numbered from 1 (<c>$1</c> is index 1). Values are sent as typed values,
/// never spliced into SQL text. Bindings stay until rebound or <see cref="ClearBindings"/>, so the statement can be
/// executed again with some values changed. Not thread-safe (like its connection).
/// </summary>
public sealed unsafe class DuckDbStatement : IDisposable
{
    private readonly DuckDbPreparedHandle _handle;

    internal DuckDbStatement(DuckDbPreparedHandle handle)
    {
        _handle = handle;
        ParameterCount = (int)DuckDbNative.duckdb_nparams(handle);
    }

    /// <summary>How many parameters the SQL has.</summary>
    public int ParameterCount { get; }

    private DuckDbPreparedHandle Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
            return _handle;
        }
    }

    /// <summary>Binds a VARCHAR (UTF-8), or NULL when <paramref name="value"/> is null.</summary>
    public DuckDbStatement Bind(int index, string? value)
    {
        if (value is null)
        {
            return BindNull(index);
        }

        var handle = Handle;
        var length = Encoding.UTF8.GetByteCount(value);
        byte[]? rented = null;
        var bytes = length <= 512 ? stackalloc byte[512] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            Encoding.UTF8.GetBytes(value, bytes);
            fixed (byte* p = bytes)
            {
                return Check(DuckDbNative.duckdb_bind_varchar_length(handle, Index(index), p, (ulong)length), index);
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Binds an INTEGER.</summary>
    public DuckDbStatement Bind(int index, int value) => Check(DuckDbNative.duckdb_bind_int32(Handle, Index(index), value), index);

    /// <summary>Binds a BIGINT.</summary>
    public DuckDbStatement Bind(int index, long value) => Check(DuckDbNative.duckdb_bind_int64(Handle, Index(index), value), index);

    /// <summary>Binds a DOUBLE.</summary>
    public DuckDbStatement Bind(int index, double value) => Check(DuckDbNative.duckdb_bind_double(Handle, Index(index), value), index);

    /// <summary>Binds a BOOLEAN.</summary>
    public DuckDbStatement Bind(int index, bool value) => Check(DuckDbNative.duckdb_bind_boolean(Handle, Index(index), value), index);

    /// <summary>Binds an exact DECIMAL(38, s) where s is the value's own scale (DuckDB casts it to the column's type).</summary>
    public DuckDbStatement Bind(int index, decimal value)
    {
        var (unscaled, scale) = DuckDbValues.Unscale(value);
        var native = new DuckDbDecimalStruct
        {
            Width = 38,
            Scale = scale,
            Lower = (ulong)unscaled,
            Upper = (long)(unscaled >> 64),
        };
        return Check(DuckDbNative.duckdb_bind_decimal(Handle, Index(index), native), index);
    }

    /// <summary>
    /// Binds a TIMESTAMPTZ: the instant, to the microsecond (sub-microsecond ticks are dropped). Compared with or
    /// stored into a TIMESTAMP column it becomes UTC wall-clock time under the database's default time zone (UTC).
    /// </summary>
    public DuckDbStatement Bind(int index, DateTimeOffset value)
        => Check(DuckDbNative.duckdb_bind_timestamp_tz(Handle, Index(index), new DuckDbTimestampStruct { Micros = DuckDbValues.ToUnixMicros(value) }), index);

    /// <summary>Binds a TIMESTAMP (no time zone): <paramref name="value"/>'s UTC wall-clock time, to the microsecond.</summary>
    public DuckDbStatement BindTimestamp(int index, DateTimeOffset value)
        => Check(DuckDbNative.duckdb_bind_timestamp(Handle, Index(index), new DuckDbTimestampStruct { Micros = DuckDbValues.ToUnixMicros(value) }), index);

    /// <summary>Binds NULL.</summary>
    public DuckDbStatement BindNull(int index) => Check(DuckDbNative.duckdb_bind_null(Handle, Index(index)), index);

    /// <summary>Binds <paramref name="value"/>, or NULL.</summary>
    public DuckDbStatement Bind(int index, int? value) => value is { } v ? Bind(index, v) : BindNull(index);

    /// <summary>Binds <paramref name="value"/>, or NULL.</summary>
    public DuckDbStatement Bind(int index, long? value) => value is { } v ? Bind(index, v) : BindNull(index);

    /// <summary>Binds <paramref name="value"/>, or NULL.</summary>
    public DuckDbStatement Bind(int index, double? value) => value is { } v ? Bind(index, v) : BindNull(index);

    /// <summary>Binds <paramref name="value"/>, or NULL.</summary>
    public DuckDbStatement Bind(int index, bool? value) => value is { } v ? Bind(index, v) : BindNull(index);

    /// <summary>Binds <paramref name="value"/>, or NULL.</summary>
    public DuckDbStatement Bind(int index, decimal? value) => value is { } v ? Bind(index, v) : BindNull(index);

    /// <summary>Binds <paramref name="value"/> (TIMESTAMPTZ), or NULL.</summary>
    public DuckDbStatement Bind(int index, DateTimeOffset? value) => value is { } v ? Bind(index, v) : BindNull(index);

    /// <summary>Removes every binding.</summary>
    public void ClearBindings()
    {
        if (DuckDbNative.duckdb_clear_bindings(Handle) != DuckDbState.Success)
        {
            throw new DuckDbException("DuckDB could not clear the statement's bindings.");
        }
    }

    /// <summary>Runs the statement with the current bindings; returns the rows it changed (see <see cref="DuckDbConnection.Execute"/>).</summary>
    /// <exception cref="DuckDbException">DuckDB's error, verbatim (including a parameter left unbound).</exception>
    public long Execute()
    {
        using var result = DuckDbResultHandle.Allocate();
        var state = DuckDbNative.duckdb_execute_prepared(Handle, result);
        DuckDbResult.ThrowIfFailed(state, result);
        return (long)DuckDbNative.duckdb_rows_changed(result);
    }

    /// <summary>Runs the statement with the current bindings and returns its result. Dispose the result.</summary>
    /// <exception cref="DuckDbException">DuckDB's error, verbatim.</exception>
    public DuckDbResult Query()
    {
        var result = DuckDbResultHandle.Allocate();
        try
        {
            var state = DuckDbNative.duckdb_execute_prepared(Handle, result);
            DuckDbResult.ThrowIfFailed(state, result);
            return new DuckDbResult(result);
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>The first column of the first row; see <see cref="DuckDbConnection.QueryScalar{T}"/>.</summary>
    public T QueryScalar<T>()
    {
        using var result = Query();
        return result.Scalar<T>();
    }

    /// <summary>Destroys the statement (idempotent).</summary>
    public void Dispose() => _handle.Dispose();

    private static ulong Index(int index)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(index, 1);
        return (ulong)index;
    }

    private DuckDbStatement Check(DuckDbState state, int index)
    {
        if (state != DuckDbState.Success)
        {
            throw new DuckDbException(
                index > ParameterCount
                    ? $"Cannot bind parameter {index}: the statement has {ParameterCount} parameter(s) (numbered from 1)."
                    : $"DuckDB could not bind parameter {index}.",
                DuckDbErrorType.InvalidInput);
        }

        return this;
    }
}
