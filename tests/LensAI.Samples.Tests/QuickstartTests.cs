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

        // The call after the block never reached the provider: recorded as blocked, with no tokens.
        var blocked = Assert.Single(events, e => e.Status == "blocked");
        Assert.Equal(("alice", "POST /chat", 0, 0), (blocked.UserId, blocked.Route, blocked.TokensIn, blocked.TokensOut));
    }
}
