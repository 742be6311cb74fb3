using DuckDB.NET.Data;
using LensAI.Backend.DuckDb;

namespace LensAI.Backend.Tests.DuckDb;

/// <summary>The backend's DuckDB database: the pinned library, its start-up settings, privacy and concurrent use.</summary>
public sealed class DuckDbConnectionFactoryTests
{
    [Fact]
    public void Loads_the_native_library_of_the_pinned_version()
    {
        using var duckDb = new DuckDbConnectionFactory();
        Assert.Equal("v1.5.6", duckDb.Version);
        using var connection = duckDb.Open();
        Assert.Equal("v1.5.6", connection.Query("SELECT version()", r => r.GetString(0)).Single());
    }

    [Fact]
    public void Applies_the_settings_every_query_relies_on()
    {
        using var temp = new DuckDbTempFolder();
        using var duckDb = new DuckDbConnectionFactory(new DuckDbSettings { Threads = 3, MemoryLimit = "512MB", TempDirectory = temp.Path });
        using var connection = duckDb.Open();
        string Setting(string name) => connection.Query("SELECT current_setting($name)::VARCHAR", r => r.GetString(0), ("name", name)).Single();

        Assert.Equal("UTC", Setting("TimeZone"));
        Assert.Equal("3", Setting("threads"));
        Assert.Equal("false", Setting("autoinstall_known_extensions"));
        Assert.Equal(temp.Path, Setting("temp_directory"));
        Assert.StartsWith("488.2 MiB", Setting("memory_limit"), StringComparison.Ordinal); // 512 MB in DuckDB's units

        // UTC buckets whatever the machine's zone: an instant just before midnight UTC is still that day.
        Assert.Equal("2026-11-21 00:00:00+00", connection.Query(
            "SELECT date_trunc('day', $t)::VARCHAR", r => r.GetString(0), ("t", new DateTimeOffset(2026, 11, 21, 20, 59, 0, TimeSpan.FromHours(-3)))).Single());
    }

    [Fact]
    public void Defaults_leave_threads_and_memory_to_DuckDB_but_never_install_extensions()
    {
        using var duckDb = new DuckDbConnectionFactory();
        using var connection = duckDb.Open();
        Assert.Equal(Environment.ProcessorCount, (int)connection.ScalarInt64("SELECT current_setting('threads')"));
        Assert.Equal("false", connection.Query("SELECT current_setting('autoinstall_known_extensions')::VARCHAR", r => r.GetString(0)).Single());
        Assert.Throws<ArgumentOutOfRangeException>(() => new DuckDbConnectionFactory(new DuckDbSettings { Threads = 0 }));
        Assert.Throws<DuckDBException>(() => new DuckDbConnectionFactory(new DuckDbSettings { MemoryLimit = "lots" }));
    }

    [Fact]
    public void Parquet_json_and_icu_are_built_in()
    {
        using var duckDb = new DuckDbConnectionFactory();
        using var connection = duckDb.Open();
        var loaded = connection.Query("SELECT extension_name FROM duckdb_extensions() WHERE loaded", r => r.GetString(0)).ToHashSet();
        Assert.Superset(new HashSet<string> { "parquet", "json", "icu" }, loaded);
    }

    [Fact]
    public void Connections_of_one_factory_share_its_database_and_factories_are_private()
    {
        using var first = new DuckDbConnectionFactory();
        using var second = new DuckDbConnectionFactory();
        using (var a = first.Open())
        {
            a.Execute("CREATE TABLE shared (v INTEGER); INSERT INTO shared VALUES (1), (2)");
            a.Execute("CREATE TEMP TABLE mine (v INTEGER)");
        }

        using var b = first.Open();
        Assert.Equal(2, b.ScalarInt64("SELECT count(*) FROM shared"));
        Assert.Contains("mine", Assert.Throws<DuckDBException>(() => b.ScalarInt64("SELECT count(*) FROM mine")).Message, StringComparison.Ordinal); // temp: per connection

        using var other = second.Open();
        Assert.Contains("shared", Assert.Throws<DuckDBException>(() => other.ScalarInt64("SELECT count(*) FROM shared")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Many_threads_open_and_query_connections_at_once()
    {
        using var duckDb = new DuckDbConnectionFactory(new DuckDbSettings { Threads = 2 });
        using (var setup = duckDb.Open())
        {
            setup.Execute("CREATE TABLE numbers AS SELECT range AS n FROM range(100000)");
        }

        var sums = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() =>
        {
            long total = 0;
            for (var round = 0; round < 10; round++)
            {
                using var connection = duckDb.Open();
                connection.Execute("CREATE TEMP TABLE part AS SELECT n FROM numbers WHERE n % 16 = $i", ("i", i));
                total += connection.ScalarInt64("SELECT sum(n) FROM part");
            }

            return total / 10;
        })));

        Assert.Equal(Enumerable.Range(0, 100000).Sum(n => (long)n), sums.Sum());
    }

    [Fact]
    public void Open_connections_outlive_the_factory_and_a_disposed_factory_refuses_new_ones()
    {
        var duckDb = new DuckDbConnectionFactory();
        using var connection = duckDb.Open();
        connection.Execute("CREATE TABLE t AS SELECT 42 AS v");
        duckDb.Dispose();
        duckDb.Dispose(); // idempotent

        Assert.Equal(42, connection.ScalarInt64("SELECT v FROM t"));
        Assert.Throws<ObjectDisposedException>(duckDb.Open);
    }
}
