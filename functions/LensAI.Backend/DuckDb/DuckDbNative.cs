using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace LensAI.Backend.DuckDb;

/// <summary>
/// The slice of DuckDB's C API (duckdb.h, 1.5.x) that the backend uses. Signatures follow the header; every
/// <c>idx_t</c> is <see cref="ulong"/>, every C <c>bool</c> one byte, every <c>duckdb_state</c> a
/// <see cref="DuckDbState"/>. Strings go in as UTF-8; strings coming out are pointers the caller decodes (and frees
/// with <see cref="duckdb_free"/> only where the header says so).
/// </summary>
/// <remarks>
/// The library (<c>libduckdb.so</c> / <c>libduckdb.dylib</c> / <c>duckdb.dll</c>) is copied next to the assemblies
/// by DuckDbNative.targets; <see cref="Resolve"/> loads it from there, or from <c>LENSAI_DUCKDB_LIBRARY</c>.
/// </remarks>
internal static unsafe partial class DuckDbNative
{
    internal const string LibraryName = "duckdb";

    /// <summary>Environment variable naming a DuckDB shared library to load instead of the one beside the assemblies.</summary>
    internal const string LibraryOverrideVariable = "LENSAI_DUCKDB_LIBRARY";

    /// <summary>The DuckDB release the build fetches (see DuckDbNative.targets).</summary>
    internal const string ExpectedVersion = "1.5.6";

    static DuckDbNative()
    {
        var assembly = typeof(DuckDbNative).Assembly;
        try
        {
            NativeLibrary.SetDllImportResolver(assembly, Resolve);
        }
        catch (InvalidOperationException)
        {
            // Another component already set this assembly's resolver: fall back to the load context's event,
            // which runs after default probing fails.
            var context = AssemblyLoadContext.GetLoadContext(assembly) ?? AssemblyLoadContext.Default;
            context.ResolvingUnmanagedDll += (requesting, name) => requesting == assembly ? Resolve(name, assembly, null) : 0;
        }
    }

    /// <summary>The platform's file name of the DuckDB shared library.</summary>
    internal static string PlatformFileName =>
        OperatingSystem.IsWindows() ? "duckdb.dll" : OperatingSystem.IsMacOS() ? "libduckdb.dylib" : "libduckdb.so";

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != LibraryName)
        {
            return 0;
        }

        var overridePath = Environment.GetEnvironmentVariable(LibraryOverrideVariable);
        if (!string.IsNullOrWhiteSpace(overridePath))
        {
            // Throws DllNotFoundException naming the file when it is missing or unloadable.
            return NativeLibrary.Load(overridePath);
        }

        var directories = new List<string> { AppContext.BaseDirectory };
        if (Path.GetDirectoryName(assembly.Location) is { Length: > 0 } assemblyDirectory)
        {
            directories.Add(assemblyDirectory);
        }

        foreach (var directory in directories)
        {
            var candidate = Path.Combine(directory, PlatformFileName);
            if (File.Exists(candidate))
            {
                // A present but unloadable file (wrong architecture, missing libc) throws with the loader's reason.
                return NativeLibrary.Load(candidate);
            }
        }

        if (NativeLibrary.TryLoad(libraryName, assembly, searchPath, out var handle))
        {
            return handle;
        }

        throw new DllNotFoundException(
            $"The DuckDB native library '{PlatformFileName}' was not found in '{AppContext.BaseDirectory}'. " +
            $"The LensAI.Backend build copies it there (functions/LensAI.Backend/DuckDb/DuckDbNative.targets fetches DuckDB {ExpectedVersion} from npm); " +
            $"set {LibraryOverrideVariable} to the full path of a DuckDB {ExpectedVersion} shared library to use another file.");
    }

    // ---- open / connect / config ------------------------------------------------------------------------------

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial DuckDbState duckdb_open_ext(string? path, out DuckDbDatabaseHandle database, nint config, out nint error);

    [LibraryImport(LibraryName)]
    internal static partial void duckdb_close(ref nint database);

    [LibraryImport(LibraryName)]
    internal static partial DuckDbState duckdb_connect(DuckDbDatabaseHandle database, out DuckDbConnectionHandle connection);

    [LibraryImport(LibraryName)]
    internal static partial void duckdb_disconnect(ref nint connection);

    [LibraryImport(LibraryName)]
    internal static partial void duckdb_interrupt(DuckDbConnectionHandle connection);

    [LibraryImport(LibraryName)]
    internal static partial nint duckdb_library_version();

    [LibraryImport(LibraryName)]
    internal static partial DuckDbState duckdb_create_config(out nint config);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial DuckDbState duckdb_set_config(nint config, string name, string option);

    [LibraryImport(LibraryName)]
    internal static partial void duckdb_destroy_config(ref nint config);

    [LibraryImport(LibraryName)]
    internal static partial void duckdb_free(nint pointer);

    // ---- queries and results ------------------------------------------------------------------------------------

    /// <summary><paramref name="result"/> is a <c>duckdb_result*</c>: the handle's value points at native memory.</summary>
    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial DuckDbState duckdb_query(DuckDbConnectionHandle connection, string query, DuckDbResultHandle result);

    [LibraryImport(LibraryName)]
    internal static partial void duckdb_destroy_result(nint result);

    [LibraryImport(LibraryName)]
    internal static partial nint duckdb_result_error(DuckDbResultHandle result);

    [LibraryImport(LibraryName)]
    internal static partial DuckDbErrorType duckdb_result_error_type(DuckDbResultHandle result);

    [LibraryImport(LibraryName)]
    internal static partial ulong duckdb_column_count(DuckDbResultHandle result);

    [LibraryImport(LibraryName)]
    internal static partial ulong duckdb_rows_changed(DuckDbResultHandle result);

    [LibraryImport(LibraryName)]
    internal static partial nint duckdb_column_name(DuckDbResultHandle result, ulong column);

    [LibraryImport(LibraryName)]
    internal static partial DuckDbType duckdb_column_type(DuckDbResultHandle result, ulong column);

    [LibraryImport(LibraryName)]
    internal static partial nint duckdb_column_logical_type(DuckDbResultHandle result, ulong column);

    /// <summary>Takes the <c>duckdb_result</c> struct by value (as the header declares).</summary>
    [LibraryImport(LibraryName)]
    internal static partial nint duckdb_fetch_chunk(DuckDbResultStruct result);

    // ---- data chunks, vectors, logical types ----------------------------------------------------------------------

    [LibraryImport(LibraryName)]
    internal static partial void duckdb_destroy_data_chunk(ref nint chunk);

    [LibraryImport(LibraryName)]
    internal static partial ulong duckdb_data_chunk_get_size(nint chunk);

    [LibraryImport(LibraryName)]
    internal static partial nint duckdb_data_chunk_get_vector(nint chunk, ulong column);

    [LibraryImport(LibraryName)]
    internal static partial void* duckdb_vector_get_data(nint vector);

    [LibraryImport(LibraryName)]
    internal static partial ulong* duckdb_vector_get_validity(nint vector);

    [LibraryImport(LibraryName)]
    internal static partial byte duckdb_decimal_width(nint logicalType);

    [LibraryImport(LibraryName)]
    internal static partial byte duckdb_decimal_scale(nint logicalType);

    [LibraryImport(LibraryName)]
    internal static partial DuckDbType duckdb_decimal_internal_type(nint logicalType);

    [LibraryImport(LibraryName)]
    internal static partial DuckDbType duckdb_enum_internal_type(nint logicalType);

    [LibraryImport(LibraryName)]
    internal static partial uint duckdb_enum_dictionary_size(nint logicalType);

    /// <summary>Returns a string the caller frees with <see cref="duckdb_free"/>.</summary>
    [LibraryImport(LibraryName)]
    internal static partial nint duckdb_enum_dictionary_value(nint logicalType, ulong index);

    [LibraryImport(LibraryName)]
    internal static partial void duckdb_destroy_logical_type(ref nint logicalType);

    // ---- prepared statements ------------------------------------------------------------------------------------

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial DuckDbState duckdb_prepare(DuckDbConnectionHandle connection, string query, out DuckDbPreparedHandle statement);

    [LibraryImport(LibraryName)]
    internal static partial void duckdb_destroy_prepare(ref nint statement);

    [LibraryImport(LibraryName)]
    internal static partial nint duckdb_prepare_error(DuckDbPreparedHandle statement);

    [LibraryImport(LibraryName)]
    internal static partial ulong duckdb_nparams(DuckDbPreparedHandle statement);

    [LibraryImport(LibraryName)]
    internal static partial DuckDbState duckdb_clear_bindings(DuckDbPreparedHandle statement);

    [LibraryImport(LibraryName)]
    internal static partial DuckDbState duckdb_bind_varchar_length(DuckDbPreparedHandle statement, ulong index, byte* value, ulong length);

    [LibraryImport(LibraryName)]
    internal static partial DuckDbState duckdb_bind_int32(DuckDbPreparedHandle statement, ulong index, int value);

    [LibraryImport(LibraryName)]
    internal static partial DuckDbState duckdb_bind_int64(DuckDbPreparedHandle statement, ulong index, long value);

    [LibraryImport(LibraryName)]
    internal static partial DuckDbState duckdb_bind_double(DuckDbPreparedHandle statement, ulong index, double value);

    [LibraryImport(LibraryName)]
    internal static partial DuckDbState duckdb_bind_boolean(DuckDbPreparedHandle statement, ulong index, [MarshalAs(UnmanagedType.U1)] bool value);

    [LibraryImport(LibraryName)]
    internal static partial DuckDbState duckdb_bind_decimal(DuckDbPreparedHandle statement, ulong index, DuckDbDecimalStruct value);

    [LibraryImport(LibraryName)]
    internal static partial DuckDbState duckdb_bind_timestamp(DuckDbPreparedHandle statement, ulong index, DuckDbTimestampStruct value);

    [LibraryImport(LibraryName)]
    internal static partial DuckDbState duckdb_bind_timestamp_tz(DuckDbPreparedHandle statement, ulong index, DuckDbTimestampStruct value);

    [LibraryImport(LibraryName)]
    internal static partial DuckDbState duckdb_bind_null(DuckDbPreparedHandle statement, ulong index);

    [LibraryImport(LibraryName)]
    internal static partial DuckDbState duckdb_execute_prepared(DuckDbPreparedHandle statement, DuckDbResultHandle result);

    // ---- appender -----------------------------------------------------------------------------------------------
    // The append calls take the raw handle: they are the hot path, and DuckDbAppender checks disposal itself.

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial DuckDbState duckdb_appender_create(DuckDbConnectionHandle connection, string? schema, string table, out DuckDbAppenderHandle appender);

    [LibraryImport(LibraryName)]
    internal static partial ulong duckdb_appender_column_count(DuckDbAppenderHandle appender);

    [LibraryImport(LibraryName)]
    internal static partial nint duckdb_appender_error_data(nint appender);

    [LibraryImport(LibraryName)]
    internal static partial DuckDbState duckdb_appender_flush(nint appender);

    [LibraryImport(LibraryName)]
    internal static partial DuckDbState duckdb_appender_close(nint appender);

    [LibraryImport(LibraryName)]
    internal static partial DuckDbState duckdb_appender_destroy(ref nint appender);

    /// <summary>Discards the buffered rows (and an unfinished row) without writing them.</summary>
    [LibraryImport(LibraryName)]
    internal static partial DuckDbState duckdb_appender_clear(nint appender);

    [LibraryImport(LibraryName)]
    internal static partial DuckDbState duckdb_appender_end_row(nint appender);

    [LibraryImport(LibraryName)]
    internal static partial DuckDbState duckdb_append_bool(nint appender, [MarshalAs(UnmanagedType.U1)] bool value);

    [LibraryImport(LibraryName)]
    internal static partial DuckDbState duckdb_append_int32(nint appender, int value);

    [LibraryImport(LibraryName)]
    internal static partial DuckDbState duckdb_append_int64(nint appender, long value);

    [LibraryImport(LibraryName)]
    internal static partial DuckDbState duckdb_append_double(nint appender, double value);

    [LibraryImport(LibraryName)]
    internal static partial DuckDbState duckdb_append_timestamp(nint appender, DuckDbTimestampStruct value);

    [LibraryImport(LibraryName)]
    internal static partial DuckDbState duckdb_append_varchar_length(nint appender, byte* value, ulong length);

    [LibraryImport(LibraryName)]
    internal static partial DuckDbState duckdb_append_null(nint appender);

    // ---- chunk appender (DuckDbChunkAppender) ---------------------------------------------------------------------
    // Column types of an appender, a data chunk written in place, and the column names of a table (for messages).

    /// <summary>Returns a logical type the caller destroys with <see cref="duckdb_destroy_logical_type"/> (0 if out of range).</summary>
    [LibraryImport(LibraryName)]
    internal static partial nint duckdb_appender_column_type(DuckDbAppenderHandle appender, ulong column);

    [LibraryImport(LibraryName)]
    internal static partial DuckDbType duckdb_get_type_id(nint logicalType);

    /// <summary>Rows a data chunk created by <see cref="duckdb_create_data_chunk"/> holds (2048 in standard builds).</summary>
    [LibraryImport(LibraryName)]
    internal static partial ulong duckdb_vector_size();

    /// <summary>
    /// <paramref name="types"/> is a <c>duckdb_logical_type*</c> of <paramref name="columnCount"/> entries (copied; the
    /// caller still destroys them). Returns 0 on failure; destroy the chunk with <see cref="duckdb_destroy_data_chunk"/>.
    /// </summary>
    [LibraryImport(LibraryName)]
    internal static partial nint duckdb_create_data_chunk(nint* types, ulong columnCount);

    /// <summary>Size 0 and every validity mask cleared; data and validity pointers must be fetched again afterwards.</summary>
    [LibraryImport(LibraryName)]
    internal static partial void duckdb_data_chunk_reset(nint chunk);

    [LibraryImport(LibraryName)]
    internal static partial void duckdb_data_chunk_set_size(nint chunk, ulong size);

    /// <summary>Allocates the validity mask (all rows valid); <see cref="duckdb_vector_get_validity"/> is then never null.</summary>
    [LibraryImport(LibraryName)]
    internal static partial void duckdb_vector_ensure_validity_writable(nint vector);

    /// <summary>
    /// Copies <paramref name="length"/> bytes into the vector's string heap. For VARCHAR the bytes are checked as
    /// UTF-8 and invalid input silently becomes NULL, so callers validate first.
    /// </summary>
    [LibraryImport(LibraryName)]
    internal static partial void duckdb_vector_assign_string_element_len(nint vector, ulong index, byte* value, ulong length);

    /// <summary>Copies the chunk's rows into the appender (casting if its types differ); may flush, so constraint errors can surface here.</summary>
    [LibraryImport(LibraryName)]
    internal static partial DuckDbState duckdb_append_data_chunk(nint appender, nint chunk);

    /// <summary>Always destroy <paramref name="description"/> with <see cref="duckdb_table_description_destroy"/>, even on failure.</summary>
    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial DuckDbState duckdb_table_description_create(DuckDbConnectionHandle connection, string? schema, string table, out nint description);

    [LibraryImport(LibraryName)]
    internal static partial void duckdb_table_description_destroy(ref nint description);

    [LibraryImport(LibraryName)]
    internal static partial ulong duckdb_table_description_get_column_count(nint description);

    /// <summary>Returns a string the caller frees with <see cref="duckdb_free"/>.</summary>
    [LibraryImport(LibraryName)]
    internal static partial nint duckdb_table_description_get_column_name(nint description, ulong index);

    // ---- error data --------------------------------------------------------------------------------------------------

    [LibraryImport(LibraryName)]
    internal static partial DuckDbErrorType duckdb_error_data_error_type(nint errorData);

    [LibraryImport(LibraryName)]
    internal static partial nint duckdb_error_data_message(nint errorData);

    [LibraryImport(LibraryName)]
    internal static partial void duckdb_destroy_error_data(ref nint errorData);

    /// <summary>Decodes a NUL-terminated UTF-8 string owned by DuckDB (not freed here).</summary>
    internal static string? Utf8(nint pointer) => pointer == 0 ? null : Marshal.PtrToStringUTF8(pointer);
}

/// <summary><c>duckdb_state</c>.</summary>
internal enum DuckDbState
{
    Success = 0,
    Error = 1,
}

/// <summary><c>duckdb_result</c>: six machine words, all deprecated except <see cref="InternalData"/>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct DuckDbResultStruct
{
    public ulong DeprecatedColumnCount;
    public ulong DeprecatedRowCount;
    public ulong DeprecatedRowsChanged;
    public nint DeprecatedColumns;
    public nint DeprecatedErrorMessage;
    public nint InternalData;
}

/// <summary><c>duckdb_timestamp</c>: microseconds since 1970-01-01 (UTC for TIMESTAMPTZ).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct DuckDbTimestampStruct
{
    public long Micros;
}

/// <summary><c>duckdb_decimal</c>: width, scale and the unscaled value as a <c>duckdb_hugeint</c> (lower, upper).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct DuckDbDecimalStruct
{
    public byte Width;
    public byte Scale;
    public ulong Lower;
    public long Upper;
}
