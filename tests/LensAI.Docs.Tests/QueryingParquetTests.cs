using System.Globalization;
using DuckDB.NET.Data;
using LensAI.Backend.DuckDb;
using LensAI.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace LensAI.Docs.Tests;

/// <summary>
/// The DuckDB queries in docs/querying-parquet.md, run as written (paths re-rooted at a test store) over Parquet the
/// real ingest wrote, including a re-sent batch, so the page's deduplication and numbers are checked.
/// </summary>
public sealed class QueryingParquetTests
{
    [Fact]
    public async Task The_documented_duckdb_queries_deduplicate_and_aggregate_the_raw_parts()
    {
        await using var backend = await TestBackend.StartAsync(settings: new() { ["LensAI:Backend:Limits:MaxEventAge"] = "3650.00:00:00" });
        var key = await backend.CreateKeyAsync("acme");
        var day = new DateTimeOffset(2026, 11, 10, 9, 0, 0, TimeSpan.Zero);
        var events = new List<UsageEvent>();
        for (var i = 0; i < 6; i++)
        {
            events.Add(Batches.Event(ts: day.AddMinutes(i), model: i % 3 == 0 ? "gpt-4o-2024-08-06" : "gpt-4o-mini-2024-07-18", tokensIn: 1000 + i));
        }

        using (var http = backend.Client(key))
        {
            Assert.Equal(200, (await Batches.PostAsync(http, Batches.Content(Batches.Json(events)))).Status);
            Assert.Equal(200, (await Batches.PostAsync(http, Batches.Content(Batches.Json(events.Take(3))))).Status); // a re-send
        }

        var store = Path.Combine(backend.DataDirectory, "store").Replace('\\', '/') + "/";
        using var connection = backend.Services.GetRequiredService<DuckDbConnectionFactory>().Open();

        var raw = Convert.ToInt64(Scalar(connection, $"SELECT count(*) FROM read_parquet('{store}events/**/*.parquet', hive_partitioning = true)"), CultureInfo.InvariantCulture);
        Assert.Equal(9, raw);

        var dedupe = DocCommands.Code("docs/querying-parquet.md", "dedupe").Replace("'events/", $"'{store}events/", StringComparison.Ordinal);
        Assert.Equal(6L, Convert.ToInt64(Scalar(connection, $"SELECT count(*) FROM ({dedupe})"), CultureInfo.InvariantCulture));

        var perModel = DocCommands.Code("docs/querying-parquet.md", "duckdb")
            .Replace("'.lensai/data/", $"'{store}", StringComparison.Ordinal)
            .TrimEnd().TrimEnd(';');
        using var command = connection.CreateCommand();
        command.CommandText = perModel;
        using var result = command.ExecuteReader();
        Assert.Equal(["model", "calls", "cost", "p95_ms"], Enumerable.Range(0, result.FieldCount).Select(result.GetName));
        var rows = new List<(string Model, long Calls, decimal Cost)>();
        while (result.Read())
        {
            rows.Add((result.GetString(0), Convert.ToInt64(result.GetValue(1), CultureInfo.InvariantCulture), Convert.ToDecimal(result.GetValue(2), CultureInfo.InvariantCulture)));
        }

        Assert.Equal([("gpt-4o-2024-08-06", 2L), ("gpt-4o-mini-2024-07-18", 4L)], rows.Select(r => (r.Model, r.Calls)).Order());
        var stored = (await backend.QueryAsync("acme", "SELECT model, sum(cost_usd) AS cost FROM {events} GROUP BY model"))
            .ToDictionary(r => (string)r["model"]!, r => Convert.ToDecimal(r["cost"], CultureInfo.InvariantCulture));
        Assert.All(rows, r => Assert.Equal(stored[r.Model], r.Cost));
        Assert.True(rows[0].Cost >= rows[1].Cost, "ORDER BY cost DESC");
    }

    private static object? Scalar(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
