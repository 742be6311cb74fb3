using LensAI.Backend.DuckDb;

namespace LensAI.Backend.Tests.DuckDb;

public sealed class DuckDbDatabaseTests
{
    [Fact]
    public void Loads_the_fetched_library_of_the_pinned_version()
    {
        Assert.Equal("v1.5.6", DuckDbDatabase.LibraryVersion);
        Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, DuckDbNative.PlatformFileName)), "the build copies the library next to the test assemblies");
    }

    [Fact]
    public void Opens_in_memory_runs_sql_and_closes()
    {
        using var database = DuckDbDatabase.OpenInMemory();
        Assert.Null(database.Path);
        using var connection = database.Connect();
        Assert.Equal(42, connection.QueryScalar<int>("SELECT 42"));
        Assert.Equal(0, connection.Execute("CREATE TABLE t (i INTEGER)"));
        Assert.Equal(3, connection.Execute("INSERT INTO t VALUES (1), (2), (3)"));
        Assert.Equal(2, connection.Execute("DELETE FROM t WHERE i > 1"));
        Assert.Equal(1L, connection.QueryScalar<long>("SELECT count(*) FROM t"));
    }

    [Fact]
    public void In_memory_databases_are_private()
    {
        using var a = DuckDbDatabase.OpenInMemory();
        using var b = DuckDbDatabase.Open(":memory:");
        using var ca = a.Connect();
        using var cb = b.Connect();
        ca.Execute("CREATE TABLE only_in_a (i INTEGER)");
        var error = Assert.Throws<DuckDbException>(() => cb.Execute("SELECT * FROM only_in_a"));
        Assert.Contains("only_in_a does not exist", error.Message);
    }

    [Fact]
    public void Applies_start_up_settings_and_defaults()
    {
        var options = new DuckDbOptions { Threads = 1, MemoryLimit = "256MB" };
        options.Settings["preserve_insertion_order"] = "false";
        using var database = DuckDbDatabase.OpenInMemory(options);
        using var connection = database.Connect();
        Assert.Equal(1L, connection.QueryScalar<long>("SELECT current_setting('threads')"));
        Assert.Equal("244.1 MiB", connection.QueryScalar<string>("SELECT current_setting('memory_limit')"));
        Assert.False(connection.QueryScalar<bool>("SELECT current_setting('preserve_insertion_order')"));
        Assert.False(connection.QueryScalar<bool>("SELECT current_setting('autoinstall_known_extensions')"));
        Assert.Equal("UTC", connection.QueryScalar<string>("SELECT current_setting('TimeZone')"));

        using var second = database.Connect();
        Assert.Equal("UTC", second.QueryScalar<string>("SELECT current_setting('TimeZone')"));
    }

    [Fact]
    public void Opens_with_settings_by_name()
    {
        using var database = DuckDbDatabase.Open(null, new Dictionary<string, string> { ["threads"] = "2" });
        using var connection = database.Connect();
        Assert.Equal(2L, connection.QueryScalar<long>("SELECT current_setting('threads')"));
        Assert.Equal("UTC", connection.QueryScalar<string>("SELECT current_setting('TimeZone')"));
    }

    [Fact]
    public void Parquet_json_and_icu_are_built_in()
    {
        using var database = DuckDbDatabase.OpenInMemory();
        using var connection = database.Connect();
        using var result = connection.Query("SELECT extension_name FROM duckdb_extensions() WHERE loaded ORDER BY 1");
        var loaded = result.Rows.Select(r => r.GetString(0)).ToList();
        Assert.Contains("parquet", loaded);
        Assert.Contains("json", loaded);
        Assert.Contains("icu", loaded);
    }

    [Fact]
    public void A_file_database_keeps_its_data_across_opens()
    {
        using var folder = new DuckDbTempFolder();
        var path = folder.File("lensai.duckdb");
        using (var database = DuckDbDatabase.Open(path))
        using (var connection = database.Connect())
        {
            Assert.Equal(path, database.Path);
            connection.Execute("CREATE TABLE kept (name VARCHAR); INSERT INTO kept VALUES ('a'), ('b')");
        }

        using (var database = DuckDbDatabase.Open(path))
        using (var connection = database.Connect())
        {
            Assert.Equal(2L, connection.QueryScalar<long>("SELECT count(*) FROM kept"));
        }
    }

    [Fact]
    public void Open_errors_carry_DuckDBs_text()
    {
        var badSetting = new DuckDbOptions();
        badSetting.Settings["memory_limit"] = "lots";
        var error = Assert.Throws<DuckDbException>(() => DuckDbDatabase.OpenInMemory(badSetting));
        Assert.Contains("lots", error.Message);

        using var folder = new DuckDbTempFolder();
        var missingDirectory = folder.File("no/such/dir/x.duckdb");
        error = Assert.Throws<DuckDbException>(() => DuckDbDatabase.Open(missingDirectory));
        Assert.Contains("IO Error", error.Message);
        Assert.Contains(missingDirectory, error.Message);
    }

    [Fact]
    public void Connections_outlive_a_disposed_database()
    {
        var database = DuckDbDatabase.OpenInMemory();
        using var connection = database.Connect();
        connection.Execute("CREATE TABLE t AS SELECT 7 AS v");
        database.Dispose();
        Assert.Equal(7, connection.QueryScalar<int>("SELECT v FROM t"));
        Assert.Throws<ObjectDisposedException>(() => database.Connect());
    }
}
