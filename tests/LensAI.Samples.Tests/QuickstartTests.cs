using LensAI.Testing;
using Quickstart;

namespace LensAI.Samples.Tests;

[Collection(SamplesRunOneAtATime.Name)]
public sealed class QuickstartTests
{
    [Fact]
    public async Task Quickstart_prices_every_call_into_parquet_with_attribution_alerts_and_blocks()
    {
        using var data = new TempDirectory();
        var args = SampleCommand.Arguments(DocCommands.Single("docs/samples.md", "samples-quickstart"), "samples/Quickstart", data.Path);
        var output = new CapturedOutput();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));

        var exit = await QuickstartSample.RunAsync(args, output, deadline.Token);

        var text = output.Text;
        Assert.Equal(0, exit);
        Assert.Contains("REPLAY mode: recorded OpenAI responses served from http://127.0.0.1:", text);
        Assert.Contains("All 8 events shipped to the ingest endpoint.", text);
        Assert.Contains("[ALERT] quickstart / demo-monthly: 100 % of the monthly budget reached", text);
        Assert.Contains("Kill-switch: the next call was BLOCKED before reaching the provider — budget 'demo-monthly' (project, monthly)", text);

        var events = StoredEvents.Read(data.Path);
        var ok = events.Where(e => e.Status == "ok").ToList();
        Assert.Equal(8, ok.Count);
        Assert.All(ok, e =>
        {
            Assert.NotNull(e.CostUsd);
            Assert.Equal(e.CatalogueCost, e.CostUsd);
        });
        Assert.Equal(
            new[] { ("alice", "POST /chat", 2), ("bob", "POST /search", 1), ("bob", "POST /summarize", 1), ("carol", "POST /chat", 1), ("carol", "POST /summarize", 1), ("dave", "POST /chat", 1), ("dave", "POST /summarize", 1) },
            ok.GroupBy(e => (e.UserId!, e.Route!)).Select(g => (g.Key.Item1, g.Key.Item2, g.Count())).Order().ToArray());

        var mini = Recorded.Usage("chat-completion-basic.json");
        var reasoning = Recorded.Usage("chat-completion-reasoning.json");
        var stream = Recorded.Usage("chat-stream-include-usage.sse");
        Assert.Equal(3, ok.Count(e => e.Model == mini.Model && e.TokensIn == mini.In && e.TokensOut == mini.Out && !e.Stream));
        Assert.Equal(3, ok.Count(e => e.Model == reasoning.Model && e.TokensIn == reasoning.In && e.TokensOut == reasoning.Out && e.TokensReasoning > 0));
        var streamed = Assert.Single(ok, e => e.Stream);
        Assert.Equal((stream.Model, stream.In, stream.Out), (streamed.Model, streamed.TokensIn, streamed.TokensOut));
        Assert.NotNull(streamed.TtftMs);
        Assert.Single(ok, e => e.Operation == "embeddings");

        // The printed tables are the stored numbers: calls and cost per model, user and route.
        foreach (var (title, key) in new (string, Func<StoredEvent, string?>)[] { ("model", e => e.Model), ("user", e => e.UserId), ("route", e => e.Route) })
        {
            var printed = PrintedTable(text, $"Cost by {title} (from Parquet)");
            var expected = ok.GroupBy(key).ToDictionary(g => g.Key!, g => (Calls: g.Count(), Cost: g.Sum(e => e.CostUsd ?? 0m)));
            Assert.Equal(expected.Keys.Order(), printed.Keys.Order());
            foreach (var (name, row) in printed)
            {
                Assert.Equal(expected[name].Calls, row.Calls);
                Assert.InRange(row.Cost, expected[name].Cost - 0.0000006m, expected[name].Cost + 0.0000006m); // printed to 6 places
            }
        }

        // The printed DuckDB one-liner runs and gives the stored per-model costs (deduplicated).
        var oneLiner = text.Split('\n').Single(l => l.TrimStart().StartsWith("duckdb -c \"", StringComparison.Ordinal)).Trim();
        var sql = oneLiner["duckdb -c \"".Length..^1];
        using (var connection = new DuckDB.NET.Data.DuckDBConnection("DataSource=:memory:;threads=1"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            using var result = command.ExecuteReader();
            var costs = new Dictionary<string, decimal>();
            while (result.Read())
            {
                costs[result.GetString(0)] = result.IsDBNull(1) ? 0m : result.GetDecimal(1);
            }

            foreach (var group in events.GroupBy(e => e.Model))
            {
                Assert.Equal(group.Sum(e => e.CostUsd ?? 0m), costs[group.Key]);
            }
        }

        // The call after the block never reached the provider: recorded as blocked, with no tokens.
        var blocked = Assert.Single(events, e => e.Status == "blocked");
        Assert.Equal(("alice", "POST /chat", 0, 0), (blocked.UserId, blocked.Route, blocked.TokensIn, blocked.TokensOut));
    }

    /// <summary>The rows of one printed table: name → (calls, cost), from the lines under its title up to a blank line.</summary>
    private static Dictionary<string, (int Calls, decimal Cost)> PrintedTable(string text, string title)
    {
        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var start = lines.FindIndex(l => l.Trim() == title);
        Assert.True(start >= 0, $"No '{title}' table in the output.");
        var rows = new Dictionary<string, (int, decimal)>(StringComparer.Ordinal);
        foreach (var line in lines.Skip(start + 2).TakeWhile(l => l.Trim().Length > 0))
        {
            // name (may contain spaces, e.g. "POST /chat"), then calls, tokens in, tokens out, cost, p50, p95
            var cells = line.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var name = string.Join(' ', cells[..^6]);
            rows[name] = (int.Parse(cells[^6], System.Globalization.CultureInfo.InvariantCulture), decimal.Parse(cells[^3], System.Globalization.CultureInfo.InvariantCulture));
        }

        return rows;
    }
}
