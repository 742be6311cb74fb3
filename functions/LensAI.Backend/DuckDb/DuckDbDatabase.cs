using System.Globalization;

namespace LensAI.Backend.DuckDb;

/// <summary>Start-up options of a <see cref="DuckDbDatabase"/>.</summary>
public sealed class DuckDbOptions
{
    /// <summary>Worker threads DuckDB may use (<c>threads</c>); null = DuckDB's default (all cores).</summary>
    public int? Threads { get; set; }

    /// <summary>DuckDB's memory limit (<c>memory_limit</c>), e.g. <c>"512MB"</c>; null = DuckDB's default (80 % of RAM).</summary>
    public string? MemoryLimit { get; set; }

    /// <summary>Where DuckDB spills to disk (<c>temp_directory</c>); null = DuckDB's default.</summary>
    public string? TempDirectory { get; set; }

    /// <summary>
    /// The session time zone every connection starts with (<c>SET GLOBAL TimeZone</c>); default <c>UTC</c>, so
    /// casts between TIMESTAMP and TIMESTAMPTZ, and date parts of TIMESTAMPTZ values, are UTC whatever the machine's
    /// zone. Null leaves DuckDB's default (the machine's zone).
    /// </summary>
    public string? TimeZone { get; set; } = "UTC";

    /// <summary>
    /// Whether DuckDB may download extensions it does not have (<c>autoinstall_known_extensions</c>). Default false:
    /// parquet, json and icu are built into the library, and the backend never fetches code at run time.
    /// </summary>
    public bool AllowExtensionInstall { get; set; }

    /// <summary>Any other DuckDB setting by name (e.g. <c>access_mode</c> = <c>READ_ONLY</c>), applied at start-up.</summary>
    public IDictionary<string, string> Settings { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
}

/// <summary>
/// A DuckDB database: in memory or a file. Thread-safe: any number of threads may call <see cref="Connect"/> and use
/// their own connections at once; DuckDB runs their queries in parallel. Each <see cref="DuckDbConnection"/> is for
/// one thread at a time.
/// </summary>
/// <remarks>
/// Disposing the database while connections are still open is safe: DuckDB keeps the instance alive until the last
/// connection closes. A file database can be opened by one process at a time (DuckDB locks the file).
/// </remarks>
public sealed class DuckDbDatabase : IDisposable
{
    private readonly DuckDbDatabaseHandle _handle;

    private DuckDbDatabase(DuckDbDatabaseHandle handle, string? path)
    {
        _handle = handle;
        Path = path;
    }

    /// <summary>The database file, or null for an in-memory database.</summary>
    public string? Path { get; }

    /// <summary>The loaded DuckDB library's version, e.g. <c>v1.5.6</c>.</summary>
    public static string LibraryVersion => DuckDbNative.Utf8(DuckDbNative.duckdb_library_version()) ?? "unknown";

    /// <summary>Opens a new, private in-memory database.</summary>
    public static DuckDbDatabase OpenInMemory(DuckDbOptions? options = null) => Open(null, options);

    /// <summary>
    /// Opens (or creates) the database file at <paramref name="path"/>, or a new in-memory database when it is null,
    /// empty or <c>:memory:</c>.
    /// </summary>
    /// <exception cref="DuckDbException">DuckDB could not open it (bad setting, file locked or corrupt); the message is DuckDB's.</exception>
    public static DuckDbDatabase Open(string? path, DuckDbOptions? options = null)
    {
        options ??= new DuckDbOptions();
        if (string.IsNullOrEmpty(path) || path == ":memory:")
        {
            path = null;
        }

        var settings = new List<KeyValuePair<string, string>>();
        if (options.Threads is { } threads)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1, nameof(options));
            settings.Add(new("threads", threads.ToString(CultureInfo.InvariantCulture)));
        }

        if (options.MemoryLimit is { Length: > 0 } memoryLimit)
        {
            settings.Add(new("memory_limit", memoryLimit));
        }

        if (options.TempDirectory is { Length: > 0 } tempDirectory)
        {
            settings.Add(new("temp_directory", tempDirectory));
        }

        settings.Add(new("autoinstall_known_extensions", options.AllowExtensionInstall ? "true" : "false"));
        settings.AddRange(options.Settings);

        var handle = OpenNative(path, settings);
        var database = new DuckDbDatabase(handle, path);
        try
        {
            if (options.TimeZone is { Length: > 0 } timeZone)
            {
                // ICU (built in) registers TimeZone only once the database runs, so it cannot be a start-up setting.
                using var connection = database.Connect();
                connection.Execute("SET GLOBAL TimeZone = " + DuckDbSql.Literal(timeZone));
            }
        }
        catch
        {
            database.Dispose();
            throw;
        }

        return database;
    }

    /// <summary>
    /// Opens a database with DuckDB settings given by name (e.g. <c>threads</c>, <c>memory_limit</c>), plus this
    /// layer's defaults (<see cref="DuckDbOptions.TimeZone"/> UTC, no extension downloads).
    /// </summary>
    public static DuckDbDatabase Open(string? path, IEnumerable<KeyValuePair<string, string>> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var options = new DuckDbOptions();
        foreach (var (name, value) in settings)
        {
            options.Settings[name] = value;
        }

        return Open(path, options);
    }

    private static DuckDbDatabaseHandle OpenNative(string? path, List<KeyValuePair<string, string>> settings)
    {
        if (DuckDbNative.duckdb_create_config(out var config) != DuckDbState.Success)
        {
            throw new DuckDbException("DuckDB could not create a configuration object.");
        }

        try
        {
            foreach (var (name, value) in settings)
            {
                if (DuckDbNative.duckdb_set_config(config, name, value) != DuckDbState.Success)
                {
                    throw new DuckDbException($"DuckDB rejected the setting {name} = '{value}'.", DuckDbErrorType.InvalidConfiguration);
                }
            }

            var state = DuckDbNative.duckdb_open_ext(path, out var handle, config, out var error);
            if (state == DuckDbState.Success)
            {
                return handle;
            }

            handle.Dispose();
            string message;
            try
            {
                message = DuckDbNative.Utf8(error) ?? "DuckDB could not open the database.";
            }
            finally
            {
                if (error != 0)
                {
                    DuckDbNative.duckdb_free(error);
                }
            }

            throw new DuckDbException(path is null ? message : $"{message} (database '{path}')", DuckDbErrorType.Invalid);
        }
        finally
        {
            DuckDbNative.duckdb_destroy_config(ref config);
        }
    }

    /// <summary>Opens a new connection. Connections are cheap; use one per thread (or per unit of work).</summary>
    public DuckDbConnection Connect()
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        if (DuckDbNative.duckdb_connect(_handle, out var connection) != DuckDbState.Success)
        {
            connection.Dispose();
            throw new DuckDbException("DuckDB could not open a connection (the database may be closed).", DuckDbErrorType.Connection);
        }

        return new DuckDbConnection(connection);
    }

    /// <summary>Closes the database (idempotent). Open connections keep the instance alive until they close.</summary>
    public void Dispose() => _handle.Dispose();
}

/// <summary>Small SQL text helpers for values that cannot be parameters (settings, file paths in COPY).</summary>
public static class DuckDbSql
{
    /// <summary>A single-quoted SQL string literal: <c>it's</c> → <c>'it''s'</c>.</summary>
    public static string Literal(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
    }

    /// <summary>A double-quoted SQL identifier: <c>my "t"</c> → <c>"my ""t"""</c>.</summary>
    public static string Identifier(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }
}
