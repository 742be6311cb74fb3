using LensAI.Backend.DuckDb;

namespace LensAI.Backend.Tests.DuckDb;

public sealed class DuckDbLifetimeTests
{
    [Fact]
    public async Task Several_connections_on_one_database_work_from_parallel_threads()
    {
        const int Workers = 4;
        const int RowsEach = 20_000;
        using var database = DuckDbDatabase.OpenInMemory(new DuckDbOptions { Threads = 2 });
        using (var setup = database.Connect())
        {
            setup.Execute("CREATE TABLE shared (worker INTEGER, i INTEGER, note VARCHAR)");
        }

        using var barrier = new Barrier(Workers);
        var workers = Enumerable.Range(0, Workers).Select(w => Task.Factory.StartNew(() =>
        {
            using var connection = database.Connect();
            connection.Execute($"CREATE TABLE own_{w} (i INTEGER)");
            barrier.SignalAndWait();
            using (var appender = connection.CreateAppender("shared"))
            {
                for (var i = 0; i < RowsEach; i++)
                {
                    appender.Append(w).Append(i).Append("worker " + w).EndRow();
                }
            }

            using (var insert = connection.Prepare($"INSERT INTO own_{w} VALUES ($1)"))
            {
                for (var i = 0; i < 50; i++)
                {
                    insert.Bind(1, i).Execute();
                }
            }

            barrier.SignalAndWait();
            using var result = connection.Query($"SELECT count(*), sum(i) FROM shared WHERE worker = {w}");
            return (Rows: result.GetInt64(0, 0), Sum: result.GetInt64(1, 0), Own: connection.QueryScalar<long>($"SELECT count(*) FROM own_{w}"));
        }, TaskCreationOptions.LongRunning)).ToArray();

        var results = await Task.WhenAll(workers).WaitAsync(TimeSpan.FromMinutes(2));
        foreach (var (rows, sum, own) in results)
        {
            Assert.Equal(RowsEach, rows);
            Assert.Equal((long)RowsEach * (RowsEach - 1) / 2, sum);
            Assert.Equal(50, own);
        }

        using var check = database.Connect();
        Assert.Equal((long)Workers * RowsEach, check.QueryScalar<long>("SELECT count(*) FROM shared"));
    }

    [Fact]
    public void Parallel_readers_see_one_committed_table()
    {
        using var database = DuckDbDatabase.OpenInMemory();
        using (var setup = database.Connect())
        {
            setup.Execute("CREATE TABLE facts AS SELECT range AS i, range * 0.000000001::DECIMAL(18,9) AS cost FROM range(100000)");
        }

        var sums = new decimal[8];
        Parallel.For(0, sums.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, n =>
        {
            using var connection = database.Connect();
            sums[n] = connection.QueryScalar<decimal>("SELECT sum(cost) FROM facts");
        });
        Assert.All(sums, s => Assert.Equal(4.99995m, s));
    }

    [Fact]
    public void Disposal_is_idempotent_everywhere()
    {
        var database = DuckDbDatabase.OpenInMemory();
        var connection = database.Connect();
        connection.Execute("CREATE TABLE t (i INTEGER)");
        var statement = connection.Prepare("SELECT $1::INTEGER");
        var appender = connection.CreateAppender("t");
        appender.Append(1).EndRow();
        var result = connection.Query("SELECT 1");

        for (var i = 0; i < 2; i++)
        {
            result.Dispose();
            appender.Dispose();
            appender.Close();
            statement.Dispose();
            connection.Dispose();
            database.Dispose();
        }
    }

    [Fact]
    public void Everything_throws_ObjectDisposedException_after_disposal()
    {
        using var database = DuckDbDatabase.OpenInMemory();
        var connection = database.Connect();
        connection.Execute("CREATE TABLE t (i INTEGER); INSERT INTO t VALUES (1)");

        var result = connection.Query("SELECT i, 'x' AS s FROM t");
        Assert.Equal(1, result.GetInt32(0, 0));
        var row = result.Rows.First();
        result.Dispose();
        Assert.Throws<ObjectDisposedException>(() => result.GetInt32(0, 0));
        Assert.Throws<ObjectDisposedException>(() => result.GetString(1, 0));
        Assert.Throws<ObjectDisposedException>(() => result.IsNull(0, 0));
        Assert.Throws<ObjectDisposedException>(() => result.GetValue(0, 0));
        Assert.Throws<ObjectDisposedException>(() => result.GetColumnName(0));
        Assert.Throws<ObjectDisposedException>(() => result.Rows);
        Assert.Throws<ObjectDisposedException>(() => row.GetInt32(0));

        var statement = connection.Prepare("SELECT $1::INTEGER");
        statement.Dispose();
        Assert.Throws<ObjectDisposedException>(() => statement.Bind(1, 1));
        Assert.Throws<ObjectDisposedException>(() => statement.Query());

        var appender = connection.CreateAppender("t");
        appender.Append(2).EndRow();
        appender.Dispose();
        Assert.Throws<ObjectDisposedException>(() => appender.Append(3));
        Assert.Throws<ObjectDisposedException>(appender.EndRow);
        Assert.Throws<ObjectDisposedException>(appender.Flush);

        connection.Dispose();
        Assert.Throws<ObjectDisposedException>(() => connection.Execute("SELECT 1"));
        Assert.Throws<ObjectDisposedException>(() => connection.Query("SELECT 1"));
        Assert.Throws<ObjectDisposedException>(() => connection.Prepare("SELECT 1"));
        Assert.Throws<ObjectDisposedException>(() => connection.CreateAppender("t"));
        connection.Interrupt(); // a no-op once closed

        using var other = database.Connect();
        Assert.Equal(2L, other.QueryScalar<long>("SELECT count(*) FROM t")); // the disposed appender flushed its row
    }

    [Fact]
    public void A_result_outlives_its_connection_and_statement()
    {
        using var database = DuckDbDatabase.OpenInMemory();
        DuckDbResult result;
        using (var connection = database.Connect())
        using (var statement = connection.Prepare("SELECT range AS i FROM range($1)"))
        {
            result = statement.Bind(1, 3000L).Query();
        }

        using (result)
        {
            Assert.Equal(3000, result.RowCount);
            Assert.Equal(2999L, result.GetInt64(0, 2999));
        }
    }
}
