using System.Net;
using System.Net.Http.Headers;
using System.Text;
using LensAI.Testing;

namespace LensAI.Tests.Estimation;

/// <summary>
/// Calls billed without a usage report (streams cut, abandoned or broken before their usage; calls that timed out
/// after they were sent) are recorded as estimates, never as $0. Every expected number is worked out by hand in the
/// comments from the fixture's bytes and the list price (gpt-4o $2.50/$10, claude-sonnet-4 $3/$15 per 1M tokens).
/// </summary>
public sealed class EstimatedUsageTests
{
    private const string OpenAIChat = "https://api.openai.com/v1/chat/completions";

    // "How do I pick a lock?" is 21 UTF-8 bytes; the prompt text is it plus one separator: 22 bytes → ⌈22/4⌉ = 6 tokens,
    // plus 3 tokens of framing for the one message and 3 to prime the reply: 12 input tokens.
    private const string ChatRequest = """{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"How do I pick a lock?"}]}""";
    private const int ChatRequestTokens = 12;

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static HttpResponseMessage EventStream(Stream body)
    {
        var content = new StreamContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/event-stream");
        return new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
    }

    [Fact]
    public async Task A_stream_cut_mid_way_costs_its_prompt_and_the_text_already_streamed()
    {
        // The first 7 events of the fixture end at byte 2335; their content deltas are "", "I'm", " sorry", ",", " I",
        // " can't", " assist": 25 bytes → ⌈25/4⌉ = 7 output tokens. The usage chunk (26 in / 10 out) never arrives.
        var body = Fixtures.Bytes("openai/chat-stream-include-usage.sse")[..2335];
        await using var client = new TestClient();
        using var http = client.Http(new StubHandler((_, _) => Task.FromResult(EventStream(new ChunkedStream(body, 100)))));

        using var response = await http.SendAsync(new HttpRequestMessage(HttpMethod.Post, OpenAIChat) { Content = Json(ChatRequest) }, HttpCompletionOption.ResponseHeadersRead);
        await response.Content.ReadAsByteArrayAsync();

        var e = client.Single();
        Assert.True(e.UsageEstimated);
        Assert.Equal("utf8-bytes/4", e.Metadata![UsageEvent.EstimatorMetadataKey]);
        Assert.Equal(ChatRequestTokens, e.TokensIn);
        Assert.Equal(7, e.TokensOut);
        Assert.Equal("gpt-4o-2024-08-06", e.Model);
        Assert.Equal(0.0001m, e.CostUsd); // 12 × $2.50/1M + 7 × $10/1M = $0.000030 + $0.000070
        Assert.Equal(UsageStatus.Ok, e.Status);
    }

    [Fact]
    public async Task A_broken_stream_keeps_the_reported_input_and_estimates_the_output()
    {
        // message_start reported 43 input tokens and 1 output token. By byte 5032 (31 events) the stream had delivered
        // 308 bytes of thinking and text → ⌈308/4⌉ = 77 output tokens, more than the 1 reported.
        var body = Fixtures.Bytes("anthropic/messages-stream-thinking.sse");
        await using var client = new TestClient();
        using var http = client.Http(new StubHandler((_, _) => Task.FromResult(EventStream(new ChunkedStream(body, 80, failAfterBytes: 5032)))));

        using var response = await http.SendAsync(
            new HttpRequestMessage(HttpMethod.Post, "https://api.anthropic.com/v1/messages") { Content = Json("""{"model":"claude-sonnet-4-20250514","stream":true}""") },
            HttpCompletionOption.ResponseHeadersRead);
        await Assert.ThrowsAsync<HttpRequestException>(() => response.Content.ReadAsByteArrayAsync());

        var e = client.Single();
        Assert.Equal(UsageStatus.Error, e.Status);
        Assert.Equal("broken", e.Metadata![UsageEvent.IncompleteMetadataKey]);
        Assert.True(e.UsageEstimated);
        Assert.Equal(43, e.TokensIn);
        Assert.Equal(77, e.TokensOut);
        Assert.Equal(0.001284m, e.CostUsd); // 43 × $3/1M + 77 × $15/1M = $0.000129 + $0.001155
    }

    [Fact]
    public async Task A_stream_that_ends_without_usage_is_estimated_whole()
    {
        // Without include_usage: every content event (44 bytes of text → ⌈44/4⌉ = 11 tokens) and [DONE], no usage.
        var full = Encoding.UTF8.GetString(Fixtures.Bytes("openai/chat-stream-include-usage.sse"));
        var body = Encoding.UTF8.GetBytes(full[..3964] + "data: [DONE]\n\n");
        await using var client = new TestClient(o => o.InjectStreamUsage = false);
        using var http = client.Http(StubHandler.Returning(body, "text/event-stream", chunkSize: 64));

        using var response = await http.PostAsync(OpenAIChat, Json(ChatRequest));
        await response.Content.ReadAsByteArrayAsync();

        var e = client.Single();
        Assert.True(e.UsageEstimated);
        Assert.Equal(ChatRequestTokens, e.TokensIn);
        Assert.Equal(11, e.TokensOut);
        Assert.Equal(0.00014m, e.CostUsd); // 12 × $2.50/1M + 11 × $10/1M
        Assert.Null(e.Metadata!.GetValueOrDefault(UsageEvent.IncompleteMetadataKey));
    }

    [Fact]
    public async Task A_stream_read_to_its_end_is_the_provider_figure_not_an_estimate()
    {
        await using var client = new TestClient();
        using var http = client.Http(StubHandler.Returning(Fixtures.Bytes("openai/chat-stream-include-usage.sse"), "text/event-stream", chunkSize: 64));
        using var response = await http.PostAsync(OpenAIChat, Json(ChatRequest));
        await response.Content.ReadAsByteArrayAsync();

        var e = client.Single();
        Assert.False(e.UsageEstimated);
        Assert.Equal(new TokenUsage(26, 10), e.Usage);
        Assert.Null(e.Metadata);
    }

    [Fact]
    public async Task A_call_that_times_out_after_it_was_sent_costs_its_prompt()
    {
        await using var client = new TestClient();
        using var http = client.Http(new StubHandler((_, _) => throw new TaskCanceledException("timed out", new TimeoutException())));

        var request = ChatRequest.Replace("\"stream\":true,", "", StringComparison.Ordinal);
        await Assert.ThrowsAsync<TaskCanceledException>(() => http.PostAsync(OpenAIChat, Json(request)));

        var e = client.Single();
        Assert.Equal(UsageStatus.Error, e.Status);
        Assert.Equal("timeout", e.Metadata!["lensai.exception"]);
        Assert.True(e.UsageEstimated);
        Assert.Equal(new TokenUsage(ChatRequestTokens, 0), e.Usage);
        Assert.Equal(0.00003m, e.CostUsd); // 12 × $2.50/1M; the answer nobody read cannot be estimated
    }

    [Fact]
    public async Task A_call_refused_before_it_was_sent_costs_nothing_and_is_not_estimated()
    {
        await using var client = new TestClient();
        using var http = client.Http(new StubHandler((_, _) => throw new HttpRequestException("connection refused (simulated)")));
        await Assert.ThrowsAsync<HttpRequestException>(() => http.PostAsync(OpenAIChat, Json(ChatRequest)));

        var e = client.Single();
        Assert.False(e.UsageEstimated);
        Assert.Equal(0m, e.CostUsd);
    }

    [Fact]
    public async Task A_configured_estimator_counts_and_is_named()
    {
        // Words instead of bytes: the prompt has 6 words (+ 6 framing tokens), the 7 events "", "I'm", " sorry", ",",
        // " I", " can't", " assist" have 5 (",": none).
        var body = Fixtures.Bytes("openai/chat-stream-include-usage.sse")[..2335];
        await using var client = new TestClient(o => o.TokenEstimator = new WordEstimator());
        using var http = client.Http(new StubHandler((_, _) => Task.FromResult(EventStream(new ChunkedStream(body, 100)))));
        using var response = await http.PostAsync(OpenAIChat, Json(ChatRequest));
        await response.Content.ReadAsByteArrayAsync();

        var e = client.Single();
        Assert.Equal("words", e.Metadata![UsageEvent.EstimatorMetadataKey]);
        Assert.Equal(6 + 6, e.TokensIn);
        Assert.Equal(5, e.TokensOut);
        Assert.True(e.UsageEstimated);
    }

    private sealed class WordEstimator : TokenEstimator
    {
        public override string Name => "words";

        public override int CountTokens(string provider, string model, ReadOnlySpan<byte> utf8Text)
            => Encoding.UTF8.GetString(utf8Text).Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries).Count(w => w.Any(char.IsLetter));
    }
}
