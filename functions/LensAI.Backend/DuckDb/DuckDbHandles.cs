using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace LensAI.Backend.DuckDb;

/// <summary><c>duckdb_database</c>; released with <c>duckdb_close</c>.</summary>
internal sealed class DuckDbDatabaseHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public DuckDbDatabaseHandle()
        : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle()
    {
        var value = handle;
        DuckDbNative.duckdb_close(ref value);
        return true;
    }
}

/// <summary><c>duckdb_connection</c>; released with <c>duckdb_disconnect</c>.</summary>
internal sealed class DuckDbConnectionHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public DuckDbConnectionHandle()
        : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle()
    {
        var value = handle;
        DuckDbNative.duckdb_disconnect(ref value);
        return true;
    }
}

/// <summary><c>duckdb_prepared_statement</c>; released with <c>duckdb_destroy_prepare</c>.</summary>
internal sealed class DuckDbPreparedHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public DuckDbPreparedHandle()
        : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle()
    {
        var value = handle;
        DuckDbNative.duckdb_destroy_prepare(ref value);
        return true;
    }
}

/// <summary>
/// <c>duckdb_appender</c>; released with <c>duckdb_appender_destroy</c> (which flushes what is left, so a normal
/// close goes through <see cref="DuckDbAppender.Close"/> first to see the error).
/// </summary>
internal sealed class DuckDbAppenderHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public DuckDbAppenderHandle()
        : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle()
    {
        var value = handle;
        _ = DuckDbNative.duckdb_appender_destroy(ref value);
        return true;
    }
}

/// <summary>A <c>duckdb_data_chunk</c> created by <c>duckdb_create_data_chunk</c>; released with <c>duckdb_destroy_data_chunk</c>.</summary>
internal sealed class DuckDbDataChunkHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public DuckDbDataChunkHandle(nint chunk)
        : base(ownsHandle: true) => SetHandle(chunk);

    protected override bool ReleaseHandle()
    {
        var value = handle;
        DuckDbNative.duckdb_destroy_data_chunk(ref value);
        return true;
    }
}

/// <summary>
/// A <c>duckdb_result</c>. The C API returns results as a struct written into caller memory, so the handle owns a
/// native allocation of that struct; the data chunks fetched from it are owned here too. Release destroys the
/// chunks, then the result (<c>duckdb_destroy_result</c>, required even after a failed query), then frees the
/// memory.
/// </summary>
internal sealed unsafe class DuckDbResultHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    private nint[] _chunks = [];

    public DuckDbResultHandle()
        : base(ownsHandle: true)
    {
    }

    public static DuckDbResultHandle Allocate()
    {
        var result = new DuckDbResultHandle();
        var memory = NativeMemory.AllocZeroed((nuint)sizeof(DuckDbResultStruct));
        result.SetHandle((nint)memory);
        return result;
    }

    /// <summary>The struct's current value (for the C functions that take it by value).</summary>
    public DuckDbResultStruct Value => *(DuckDbResultStruct*)handle;

    /// <summary>Chunks fetched from the result; destroyed with it.</summary>
    public nint[] Chunks
    {
        get => _chunks;
        set => _chunks = value;
    }

    protected override bool ReleaseHandle()
    {
        var chunks = _chunks;
        _chunks = [];
        for (var i = 0; i < chunks.Length; i++)
        {
            var chunk = chunks[i];
            if (chunk != 0)
            {
                DuckDbNative.duckdb_destroy_data_chunk(ref chunk);
            }
        }

        DuckDbNative.duckdb_destroy_result(handle);
        NativeMemory.Free((void*)handle);
        return true;
    }
}
