using DuckDB.NET.Data;
using LensAI.Backend.DuckDb;
using LensAI.Backend.Rollups;

namespace LensAI.Backend.Tests.Reports;

/// <summary>The rollups' log-scale histogram: DuckDB's aggregate and the C# quantile agree with quantile_cont within the bound.</summary>
public sealed class LatencyHistogramTests : IDisposable
{
    private readonly DuckDbConnectionFactory _duckDb = new();
    private readonly DuckDBConnection _connection;

    public LatencyHistogramTests()
    {
        _connection = _duckDb.Open();
        _connection.Execute("CREATE TABLE calls (g INTEGER NOT NULL, latency_ms INTEGER)");
    }

    public void Dispose()
    {
        _connection.Dispose();
        _duckDb.Dispose();
    }

    [Theory]
    [InlineData(1, 0.50)]
    [InlineData(1, 0.95)]
    [InlineData(2, 0.50)]
    [InlineData(2, 0.95)]
    [InlineData(2, 0.99)]
    [InlineData(3, 0.95)]
    public void Merged_histograms_give_the_quantile_of_all_values_within_the_ratio(int seed, double q)
    {
        // Log-normal-ish latencies from 1 ms to minutes in 40 groups of very different sizes (like hours of a week).
        var random = new Random(seed);
        using (var appender = _connection.CreateAppender("calls"))
        {
            for (var i = 0; i < 4000; i++)
            {
                var latency = (int)Math.Min(500_000, Math.Exp(random.NextDouble() * random.NextDouble() * 13));
                appender.CreateRow().AppendValue(random.Next(40) * random.Next(2)).AppendValue(i % 97 == 0 ? null : latency).EndRow();
            }
        }

        var truth = _connection.Query("SELECT quantile_cont(latency_ms, $q) FROM calls", r => r.GetDouble(0), ("q", q)).Single();
        var merged = _connection.Query(
            $"""
            WITH h AS (SELECT g, {LatencyHistogram.Aggregate("latency_ms")} AS hist FROM calls GROUP BY g)
            SELECT b::BIGINT, n FROM (SELECT unnest(map_keys(hist)) AS b, unnest(map_values(hist)) AS n FROM h)
            """,
            r => ((int)r.GetInt64(0), r.GetInt64(1)));
        var estimate = LatencyHistogram.Quantile(merged, q);

        Assert.NotNull(estimate);
        Assert.InRange(estimate.Value, truth / LatencyHistogram.Ratio, truth * LatencyHistogram.Ratio);
    }

    [Fact]
    public void The_sql_buckets_match_the_documented_bounds()
    {
        int[] values = [0, 1, 2, 5, 17, 100, 321, 1000, 30_000, 599_999, 603_000, 604_000, 3_600_000];
        var rows = _connection.Query(
            $"""
            SELECT v, b::BIGINT FROM (SELECT v, unnest(map_keys({LatencyHistogram.Aggregate("v")})) AS b
              FROM (SELECT unnest($values::INTEGER[]) AS v) GROUP BY v)
            """,
            r => (r.GetInt64(0), (int)r.GetInt64(1)),
            ("values", values.ToList()));
        Assert.Equal(values.Length, rows.Count);
        foreach (var (value, bucket) in rows)
        {
            Assert.Equal(LatencyHistogram.BucketOf(value), bucket);
            Assert.True(LatencyHistogram.Lower(bucket) <= value, $"{value} ms in bucket {bucket}");
            Assert.True(bucket == LatencyHistogram.Overflow || value < LatencyHistogram.Lower(bucket + 1), $"{value} ms in bucket {bucket}");
        }

        Assert.Equal(LatencyHistogram.Overflow, LatencyHistogram.BucketOf(3_600_000));
        Assert.InRange(LatencyHistogram.Lower(LatencyHistogram.Overflow), 600_000, 610_000); // about 10 minutes
    }

    [Fact]
    public void An_empty_histogram_has_no_quantile_and_a_single_value_is_within_its_bucket()
    {
        Assert.Null(LatencyHistogram.Quantile([], 0.95));
        Assert.Null(LatencyHistogram.Quantile([(5, 0)], 0.95));
        var single = LatencyHistogram.Quantile([(LatencyHistogram.BucketOf(30_000), 1)], 0.95);
        Assert.NotNull(single);
        Assert.InRange(single.Value, 30_000 / LatencyHistogram.Ratio, 30_000 * LatencyHistogram.Ratio);
        Assert.Throws<ArgumentOutOfRangeException>(() => LatencyHistogram.Quantile([(1, 1)], 1.5));
    }
}
