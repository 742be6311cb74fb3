namespace LensAI.Backend.DuckDb;

/// <summary>
/// A connection to a <see cref="DuckDbDatabase"/>. <b>Not thread-safe</b>: use it from one thread at a time (give
/// each worker its own connection; they are cheap). Only <see cref="Interrupt"/> may be called from another thread.
/// Each statement runs in its own transaction unless the SQL begins one (<c>BEGIN</c> … <c>COMMIT</c>).
/// </summary>
public sealed class DuckDbConnection : IDisposable
{
    private readonly DuckDbConnectionHandle _handle;

    internal DuckDbConnection(DuckDbConnectionHandle handle) => _handle = handle;

    internal DuckDbConnectionHandle Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
            return _handle;
        }
    }

    /// <summary>
    /// Runs <paramref name="sql"/> (one or more statements separated by <c>;</c>, run in order; each one commits
    /// before the next, so statements before a failing one stay done) and returns the rows the last statement
    /// changed (INSERT/UPDATE/DELETE; COPY reports the rows it wrote; 0 for others).
    /// </summary>
    /// <exception cref="DuckDbException">DuckDB's error, verbatim.</exception>
    public long Execute(string sql)
    {
        ArgumentNullException.ThrowIfNull(sql);
        using var result = DuckDbResultHandle.Allocate();
        var state = DuckDbNative.duckdb_query(Handle, sql, result);
        DuckDbResult.ThrowIfFailed(state, result);
        return (long)DuckDbNative.duckdb_rows_changed(result);
    }

    /// <summary>Runs <paramref name="sql"/> and returns its (fully materialized) result. Dispose the result.</summary>
    /// <exception cref="DuckDbException">DuckDB's error, verbatim.</exception>
    public DuckDbResult Query(string sql)
    {
        ArgumentNullException.ThrowIfNull(sql);
        var result = DuckDbResultHandle.Allocate();
        try
        {
            var state = DuckDbNative.duckdb_query(Handle, sql, result);
            DuckDbResult.ThrowIfFailed(state, result);
            return new DuckDbResult(result);
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The first column of the first row, converted like <see cref="DuckDbResult.Get{T}"/>: <c>long</c>, <c>int</c>,
    /// <c>double</c>, <c>decimal</c>, <c>bool</c>, <c>string</c>, <c>DateTimeOffset</c>, their nullable forms, or
    /// <c>object</c>. A NULL (or no row) gives null for nullable <typeparamref name="T"/> and throws otherwise.
    /// </summary>
    public T QueryScalar<T>(string sql)
    {
        using var result = Query(sql);
        return result.Scalar<T>();
    }

    /// <summary>Compiles <paramref name="sql"/> with <c>$1</c>, <c>$2</c>, … (or <c>?</c>) parameters. Dispose the statement.</summary>
    /// <exception cref="DuckDbException">DuckDB's parse/bind error, verbatim.</exception>
    public DuckDbStatement Prepare(string sql)
    {
        ArgumentNullException.ThrowIfNull(sql);
        var state = DuckDbNative.duckdb_prepare(Handle, sql, out var statement);
        if (state != DuckDbState.Success)
        {
            var message = DuckDbNative.Utf8(DuckDbNative.duckdb_prepare_error(statement)) ?? "DuckDB could not prepare the statement.";
            statement.Dispose();
            throw new DuckDbException(message);
        }

        return new DuckDbStatement(statement);
    }

    /// <summary>
    /// Starts appending rows to <paramref name="table"/> (in <paramref name="schema"/>, default <c>main</c>; temporary
    /// tables are found too). Names are plain names, not SQL. Dispose (or <see cref="DuckDbAppender.Close"/>) the
    /// appender to write the last rows.
    /// </summary>
    /// <exception cref="DuckDbException">The table does not exist (DuckDB's message).</exception>
    public DuckDbAppender CreateAppender(string table, string? schema = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(table);
        var state = DuckDbNative.duckdb_appender_create(Handle, schema, table, out var appender);
        if (state != DuckDbState.Success)
        {
            var error = DuckDbAppender.ReadError(appender.IsInvalid ? 0 : appender.DangerousGetHandle(), $"DuckDB could not create an appender for '{table}'.");
            appender.Dispose();
            throw error;
        }

        return new DuckDbAppender(appender);
    }

    /// <summary>Asks DuckDB to stop the query running on this connection (it then fails with an Interrupt error). Thread-safe.</summary>
    public void Interrupt()
    {
        if (!_handle.IsClosed)
        {
            DuckDbNative.duckdb_interrupt(_handle);
        }
    }

    /// <summary>Closes the connection (idempotent).</summary>
    public void Dispose() => _handle.Dispose();
}
