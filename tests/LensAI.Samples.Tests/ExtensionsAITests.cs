using System.Text;
using System.Text.Json;
using LensAI.Samples.ExtensionsAI;
using LensAI.Testing;

namespace LensAI.Samples.Tests;

[Collection(SamplesRunOneAtATime.Name)]
public sealed class ExtensionsAITests
{
    [Fact]
    public async Task Chat_client_with_UseLensAI_records_plain_and_streamed_calls_once_each_and_falls_back_under_a_budget()
    {
        using var data = new TempDirectory();
        var args = SampleCommand.Arguments(DocCommands.Single("docs/samples.md", "samples-extensionsai"), "samples/ExtensionsAI", data.Path);
        var output = new CapturedOutput();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));

        var result = await ExtensionsAISample.RunAsync(args, output, deadline.Token);

        Assert.Contains("REPLAY: recorded OpenAI responses", output.Text);
        var basic = Recorded.Usage("chat-completion-basic.json");
        var stream = Recorded.Usage("chat-stream-include-usage.sse");

        // Non-streaming: the response's usage and LensAI's event agree with the recording.
        Assert.Equal((basic.In, basic.Out), ((int?)result.PlainUsage?.InputTokenCount, (int?)result.PlainUsage?.OutputTokenCount));
        Assert.NotNull(result.PlainEvent);
        Assert.Equal((basic.Model, basic.In, basic.Out, false), (result.PlainEvent.Model, result.PlainEvent.TokensIn, result.PlainEvent.TokensOut, result.PlainEvent.Stream));

        // Streaming: printed token by token, and recorded when it ended, with the usage of its last chunk.
        Assert.Equal(StreamedText(), result.StreamedText);
        Assert.True(result.StreamedUpdates > 1);
        Assert.Contains(result.StreamedText, output.Text);
        Assert.Equal((stream.In, stream.Out), ((int?)result.StreamUsage?.InputTokenCount, (int?)result.StreamUsage?.OutputTokenCount));
        Assert.NotNull(result.StreamEvent);
        Assert.True(result.StreamEvent.Stream);
        Assert.NotNull(result.StreamEvent.TtftMs);

        // The budget on gpt-4o: the fallback answered with gpt-4o-mini; without one, the call was refused.
        Assert.Equal(basic.Model, result.FallbackModel);
        Assert.NotNull(result.BlockedUserMessage);

        // In Parquet: one event per call (UseLensAI above a LensAI HttpClient does not double count), priced as the catalogue says.
        var events = StoredEvents.Read(data.Path).OrderBy(e => e.Ts).ToList();
        Assert.Equal(
            new[] { (basic.Model, false, "ok"), (stream.Model, true, "ok"), (basic.Model, false, "ok"), ("gpt-4o", false, "blocked") },
            events.Select(e => (e.Model, e.Stream, e.Status)));
        Assert.All(events.Where(e => e.Status == "ok"), e =>
        {
            Assert.NotNull(e.CostUsd);
            Assert.Equal(e.CatalogueCost, e.CostUsd);
            Assert.Equal("dana", e.UserId);
        });
        Assert.Equal(result.StreamEvent.CostUsd, events[1].CostUsd);
        Assert.Equal(result.StreamEvent.TtftMs, events[1].TtftMs);
        Assert.Equal(new[] { "assistant/ask", "assistant/stream", "assistant/summary", "assistant/summary" }, events.Select(e => e.Route));
    }

    /// <summary>The text the recorded stream carries, chunk by chunk.</summary>
    private static string StreamedText()
    {
        var text = new StringBuilder();
        foreach (var line in File.ReadAllLines(Path.Combine(Fixtures.Directory, "openai", "chat-stream-include-usage.sse")))
        {
            if (!line.StartsWith("data: {", StringComparison.Ordinal))
            {
                continue;
            }

            using var chunk = JsonDocument.Parse(line["data: ".Length..]);
            foreach (var choice in chunk.RootElement.GetProperty("choices").EnumerateArray())
            {
                if (choice.TryGetProperty("delta", out var delta) && delta.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String)
                {
                    text.Append(content.GetString());
                }
            }
        }

        return text.ToString();
    }
}
