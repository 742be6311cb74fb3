using System.Globalization;
using LensAI.Samples.SemanticKernel;
using LensAI.Testing;

namespace LensAI.Samples.Tests;

[Collection(SamplesRunOneAtATime.Name)]
public sealed class SemanticKernelTests
{
    [Fact]
    public async Task Kernel_with_AddLensAI_records_every_model_call_once_and_prints_the_cost_per_plugin_and_function()
    {
        using var data = new TempDirectory();
        var args = SampleCommand.Arguments(DocCommands.Single("docs/samples.md", "samples-semantickernel"), "samples/SemanticKernel", data.Path);
        var output = new CapturedOutput();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));

        var result = await SemanticKernelSample.RunAsync(args, output, deadline.Token);

        var text = output.Text;
        Assert.Contains("REPLAY: recorded OpenAI responses", text);
        Assert.Contains("Writer.Headline (streamed): " + result.StreamedText, text);

        // Five model calls, five events in Parquet (the connectors' HTTP calls, captured once each), each priced as the
        // catalogue says and attributed to the function that made it — the nested one to the native function.
        var basic = Recorded.Usage("chat-completion-basic.json");
        var stream = Recorded.Usage("chat-stream-include-usage.sse");
        var reasoning = Recorded.Usage("chat-completion-reasoning.json");
        var events = StoredEvents.Read(data.Path).OrderBy(e => e.Ts).ThenBy(e => e.EventId, StringComparer.Ordinal).ToList();
        Assert.Equal(
            new (string?, string?, string, int, int, bool)[]
            {
                ("Writer", "Summarize", basic.Model, basic.In, basic.Out, false),
                ("Writer", "Summarize", basic.Model, basic.In, basic.Out, false),
                ("Writer", "Headline", stream.Model, stream.In, stream.Out, true),
                ("Analyst", "Compare", reasoning.Model, reasoning.In, reasoning.Out, false),
                ("(none)", "(prompt)", basic.Model, basic.In, basic.Out, false),
            },
            events.Select(e => (e.SkPlugin, e.SkFunction, e.Model, e.TokensIn, e.TokensOut, e.Stream)));
        Assert.All(events, e =>
        {
            Assert.Equal(("dana", "reports/weekly", "ok"), (e.UserId, e.Route, e.Status));
            Assert.NotNull(e.CostUsd);
            Assert.Equal(e.CatalogueCost, e.CostUsd);
        });
        Assert.Equal(5, result.Recorded.Count);

        // The printed table is the stored events grouped by plugin and function.
        var expected = events.GroupBy(e => (e.SkPlugin!, e.SkFunction!))
            .Select(g => new FunctionCost(g.Key.Item1, g.Key.Item2, g.Count(), g.Sum(e => e.TokensIn), g.Sum(e => e.TokensOut), g.Sum(e => e.CostUsd!.Value)))
            .OrderByDescending(r => r.CostUsd).ThenBy(r => r.Plugin, StringComparer.Ordinal).ThenBy(r => r.Function, StringComparer.Ordinal)
            .ToList();
        Assert.Equal(expected, result.CostByFunction);
        foreach (var row in expected)
        {
            Assert.Contains(string.Create(CultureInfo.InvariantCulture,
                $"  {row.Plugin,-10} {row.Function,-12} {row.Calls,5} {row.TokensIn,6} {row.TokensOut,6} {row.CostUsd,13:0.000000000}"), text);
        }
    }
}
