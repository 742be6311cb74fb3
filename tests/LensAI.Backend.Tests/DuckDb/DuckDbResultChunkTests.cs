using LensAI.Backend.DuckDb;

namespace LensAI.Backend.Tests.DuckDb;

public sealed class DuckDbResultChunkTests
{
    [Fact]
    public void Results_whose_first_chunk_is_short_are_read_by_row_correctly()
    {
        // Parallel scans can hand back a short chunk first: the row → chunk mapping must not assume uniform sizes.
        using var db = DuckDbDatabase.OpenInMemory(new DuckDbOptions { Threads = 2 });
        using var connection = db.Connect();
        connection.Execute("CREATE TABLE t AS SELECT range AS i FROM range(100)");
        connection.Execute("INSERT INTO t SELECT range + 100 FROM range(5000)");
        using var result = connection.Query("SELECT i FROM t WHERE i < 100 UNION ALL SELECT i FROM t WHERE i >= 100");
        Assert.Equal(5100, result.RowCount);
        var seen = new HashSet<long>();
        for (long row = 0; row < result.RowCount; row++)
        {
            Assert.False(result.IsNull(0, row));
            seen.Add(result.GetInt64(0, row));
        }

        Assert.Equal(5100, seen.Count);
    }
}
