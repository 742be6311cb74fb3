using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using LensAI.Capture;
using LensAI.Estimation;
using LensAI.Testing;
using LensAI.Tests.Capture;
using LensAI.Tokenizers;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace LensAI.Tests.Estimation;

/// <summary>
/// How close the estimates come to what the providers reported, on the recorded fixtures: the prompt of every recorded
/// request whose input is all in its body (no web search, cached content or video), and the output text of every
/// recorded stream. The numbers are the ones docs/pricing.md gives ("Estimates").
/// </summary>
public sealed class EstimatorAccuracyTests(ITestOutputHelper output)
{
    /// <summary>Recorded requests (openai-dotnet and Azure SDK session records) and the input tokens their answers reported.</summary>
    public static TheoryData<string, int> Prompts => new()
    {
        { "openai/recordings/openai-dotnet/ChatTests/HelloWorldChat.json", 11 },
        { "openai/recordings/openai-dotnet/ChatTests/ChatServiceTierWorks.json", 34 },
        { "openai/recordings/openai-dotnet/ChatTests/ReasoningTokensWork.json", 34 },
        { "openai/recordings/openai-dotnet/EmbeddingsTests/GenerateMultipleEmbeddings(UsingStrings).json", 12 },
        { "openai/recordings/openai-dotnet/ResponsesTests/CanDeleteResponse.json", 11 },
        { "openai/recordings/openai-dotnet/ResponsesTests/ResponsesWithReasoning.json", 30 },
        { "openai/recordings/openai-dotnet/ResponsesTests/SingleResponseInstruction.json", 23 },
        { "azure-openai/recordings/azure-sdk-assets/ChatTests/ChatWithO1Works.json", 10 },
    };

    [Theory]
    [MemberData(nameof(Prompts))]
    public void Prompt_estimates_come_within_a_few_tokens_of_the_reported_input(string recording, int reported)
    {
        using var document = JsonDocument.Parse(Fixtures.Bytes(recording));
        var request = document.RootElement.GetProperty("Entries")[0].GetProperty("RequestBody");
        var body = Encoding.UTF8.GetBytes(request.GetRawText());
        var model = request.GetProperty("model").GetString()!;

        var text = new ArrayBufferWriter<byte>();
        var messages = PromptText.Extract(body, text);
        var framing = messages > 0 ? (messages + 1) * 3 : 0;
        var bytes = TokenEstimator.Default.CountTokens("openai", model, text.WrittenSpan) + framing;
        var tiktoken = TiktokenEstimator.Instance.CountTokens("openai", model, text.WrittenSpan) + framing;
        output.WriteLine(FormattableString.Invariant($"| {Path.GetFileNameWithoutExtension(recording)} | {reported} | {bytes} ({Error(bytes, reported)}) | {tiktoken} ({Error(tiktoken, reported)}) |"));

        // Short prompts, where the framing weighs most: within 6 tokens either way (the Responses API frames more).
        Assert.InRange(bytes, reported - 6, reported + 6);
        Assert.InRange(tiktoken, reported - 6, reported + 6);
    }

    /// <summary>
    /// Recorded streams, the UTF-8 bytes of the text they streamed (counted by hand from the fixtures' deltas) and the
    /// output tokens they reported for it (-1: the fixture's usage less the reasoning the stream does not show).
    /// </summary>
    public static TheoryData<string, string, int, int> Streams => new()
    {
        { "openai/chat-stream-include-usage.sse", "gpt-4o-2024-08-06", 44, 10 },
        { "azure-openai/chat-stream-include-usage.sse", "gpt-4o", 59, -1 },
        { "anthropic/messages-stream.sse", "claude-sonnet-4-5", 1, 5 },
        { "anthropic/messages-stream-thinking.sse", "claude-sonnet-4", 1223, 282 },
        { "gemini/stream-generate-content.sse", "gemini-2.5-flash", 80, -1 }, // "1\n2\n…30": Gemini makes a token of every digit and newline
    };

    [Theory]
    [MemberData(nameof(Streams))]
    public void Output_estimates_from_the_streamed_text_against_the_reported_output(string fixture, string model, int textBytes, int reported)
    {
        var body = Fixtures.Bytes(fixture);
        var dialect = fixture.StartsWith("anthropic", StringComparison.Ordinal) ? UsageDialect.Anthropic : fixture.StartsWith("gemini", StringComparison.Ordinal) ? UsageDialect.Gemini : UsageDialect.OpenAIChat;
        using var text = new StreamedText(dialect, keep: true);
        using var scanner = new UsageScanner();
        using var sse = new SseDecoder { Text = text };
        sse.Feed(body, scanner);
        sse.Finish(scanner);
        if (reported < 0)
        {
            // The visible output is what the provider reported, less the reasoning it did not stream.
            var usage = FixtureExpectations.ExpectedUsage(body, sse: true, dialect == UsageDialect.Gemini ? "gemini" : "openai-chat");
            reported = usage.OutputTokens - usage.ReasoningTokens;
        }

        var bytes = (int)((text.Bytes + 3) / 4);
        var tiktoken = TiktokenEstimator.Instance.CountTokens("x", model, text.Kept);
        output.WriteLine(FormattableString.Invariant($"| {fixture} | {reported} | {text.Bytes} B → {bytes} ({Error(bytes, reported)}) | {tiktoken} ({Error(tiktoken, reported)}) |"));
        Assert.Equal(textBytes, text.Bytes);
        Assert.Equal((textBytes + 3) / 4, bytes);
    }

    [Fact]
    public void The_tokenizer_counts_an_openai_stream_exactly()
    {
        // gpt-4o streams one token per chunk: 10 non-empty deltas, "I'm sorry, I can't assist with that request.",
        // and the usage chunk says completion_tokens = 10.
        using var text = new StreamedText(UsageDialect.OpenAIChat, keep: true);
        using var scanner = new UsageScanner();
        using var sse = new SseDecoder { Text = text };
        sse.Feed(Fixtures.Bytes("openai/chat-stream-include-usage.sse"), scanner);
        Assert.Equal("I'm sorry, I can't assist with that request.", Encoding.UTF8.GetString(text.Kept));
        Assert.Equal(10, TiktokenEstimator.Instance.CountTokens("openai", "gpt-4o-2024-08-06", text.Kept));
    }

    [Theory]
    [InlineData("gpt-4o-mini-2024-07-18", "o200k_base")]
    [InlineData("gpt-4.1", "o200k_base")]
    [InlineData("o3-mini", "o200k_base")]
    [InlineData("gpt-5", "o200k_base")]
    [InlineData("claude-sonnet-4", "o200k_base")]
    [InlineData("gpt-4-turbo", "cl100k_base")]
    [InlineData("gpt-3.5-turbo", "cl100k_base")]
    [InlineData("text-embedding-3-small", "cl100k_base")]
    [InlineData("openai/gpt-4", "cl100k_base")]
    public void Each_model_gets_its_encoding(string model, string encoding) => Assert.Equal(encoding, TiktokenEstimator.EncodingFor(model));

    [Fact]
    public async Task AddLensAITokenizer_puts_the_tokenizer_behind_the_estimates()
    {
        var services = new ServiceCollection();
        services.AddSingleton<Microsoft.Extensions.Configuration.IConfiguration>(new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build());
        services.AddLensAITokenizer();
        services.AddLensAI(o => o.Enabled = true);
        await using var provider = services.BuildServiceProvider();
        var lens = provider.GetRequiredService<LensAIClient>();
        Assert.Same(TiktokenEstimator.Instance, lens.Engine.Estimator);

        // A stream cut after 7 events: the 6 non-empty deltas are 6 tokens ("I'm", " sorry", ",", " I", " can't", " assist").
        lens.Engine.Recorded = e => Recorded.Add(e);
        using var http = new HttpClient(lens.CreateHandler(StubHandler.Returning(Fixtures.Bytes("openai/chat-stream-include-usage.sse")[..2335], "text/event-stream", chunkSize: 100)));
        using var response = await http.PostAsync("https://api.openai.com/v1/chat/completions",
            new StringContent("""{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"How do I pick a lock?"}]}""", Encoding.UTF8, "application/json"));
        await response.Content.ReadAsByteArrayAsync();

        var e = Assert.Single(Recorded);
        Assert.Equal("tiktoken", e.Metadata![UsageEvent.EstimatorMetadataKey]);
        Assert.Equal(6, e.TokensOut);
        Assert.True(e.UsageEstimated);
    }

    private List<UsageEvent> Recorded { get; } = [];

    private static string Error(int estimate, int reported)
        => reported == 0 ? "n/a" : ((estimate - reported) / (double)reported).ToString("+0%;-0%;0%", CultureInfo.InvariantCulture);
}
