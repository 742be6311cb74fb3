using System.Globalization;
using DuckDB.NET.Data;

namespace LensAI.Backend.DuckDb;

/// <summary>
/// The backend's DuckDB database: one private in-memory database (Parquet is read and written with <c>read_parquet</c>
/// and <c>COPY … TO</c>; nothing persists in it), opened once with the settings every query relies on, handing out one
/// connection per operation.
/// <list type="bullet">
/// <item>Session time zone <c>UTC</c> for every connection (<c>SET GLOBAL TimeZone</c>: the built-in ICU extension
/// registers the setting only once the database runs, so it cannot be a start-up option), so <c>date_trunc</c> on a
/// <c>TIMESTAMPTZ</c> buckets by UTC hours and days whatever the machine's zone.</item>
/// <item><c>autoinstall_known_extensions = false</c>: a query never downloads an extension (parquet, json and icu are
/// built into the library).</item>
/// <item><see cref="DuckDbSettings.Threads"/>, <see cref="DuckDbSettings.MemoryLimit"/> and
/// <see cref="DuckDbSettings.TempDirectory"/> when set.</item>
/// </list>
/// </summary>
/// <remarks>
/// Concurrency: a <see cref="DuckDBConnection"/> is used by one thread at a time, while any number of connections to one
/// database may run at once. This holds one root connection open for its lifetime and gives every caller its own
/// <see cref="DuckDBConnection.Duplicate"/> of it (a new native connection to the same database; DuckDB.NET counts
/// them and closes the database with the last one). It deliberately does not use <c>:memory:?cache=shared</c>: that name
/// is one process-wide database, so two backends in one process (the tests host several; the CLI's <c>serve</c> and a
/// sample's embedded backend) would share one database and whichever opened it first would decide its threads, memory
/// limit and temp folder — and DuckDB.NET closes a shared database when its last connection closes, dropping the
/// <c>SET GLOBAL</c> time zone with it. A root connection per instance keeps each backend's settings its own and alive.
/// </remarks>
public sealed class DuckDbConnectionFactory : IDisposable
{
    private readonly DuckDBConnection _root;
    private int _disposed;

    /// <summary>Opens the database.</summary>
    /// <exception cref="DuckDBException">DuckDB rejected a setting.</exception>
    public DuckDbConnectionFactory(DuckDbSettings? settings = null)
    {
        settings ??= new DuckDbSettings();
        var builder = new DuckDBConnectionStringBuilder { DataSource = DuckDBConnectionStringBuilder.InMemoryDataSource };
        if (settings.Threads is { } threads)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1, nameof(settings));
            builder["threads"] = threads.ToString(CultureInfo.InvariantCulture);
        }

        if (settings.MemoryLimit is { Length: > 0 } memoryLimit)
        {
            builder["memory_limit"] = memoryLimit;
        }

        if (settings.TempDirectory is { Length: > 0 } tempDirectory)
        {
            builder["temp_directory"] = tempDirectory;
        }

        builder["autoinstall_known_extensions"] = "false";
        _root = new DuckDBConnection(builder.ConnectionString);
        try
        {
            _root.Open();
            using var command = _root.CreateCommand();
            command.CommandText = "SET GLOBAL TimeZone = 'UTC'";
            command.ExecuteNonQuery();
        }
        catch
        {
            _root.Dispose();
            throw;
        }
    }

    /// <summary>The DuckDB library's version, e.g. <c>v1.5.6</c>.</summary>
    public string Version => _root.ServerVersion;

    /// <summary>
    /// A new open connection to the database, for one operation on one thread at a time (dispose it when done). Safe to
    /// call from any number of threads at once.
    /// </summary>
    public DuckDBConnection Open()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var connection = _root.Duplicate();
        try
        {
            connection.Open();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Closes the root connection; the database closes once every connection handed out is closed too.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _root.Dispose();
        }
    }
}
