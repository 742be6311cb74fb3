using System.Net;
using LensAI.Testing;

namespace LensAI.Tests.Capture;

/// <summary>Every real recorded response in ../shared/fixtures goes through the HttpClient capture path.</summary>
public sealed class FixtureCaptureTests
{
    public sealed record Case(string File, string Url, string Provider, string Operation, string Dialect)
    {
        public bool Sse => File.EndsWith(".sse", StringComparison.Ordinal);

        public override string ToString() => File;
    }

    private const string OpenAIChat = "https://api.openai.com/v1/chat/completions";
    private const string OpenAIResponses = "https://api.openai.com/v1/responses";
    private const string AzureChat = "https://contoso.openai.azure.com/openai/deployments/prod-gpt4o/chat/completions?api-version=2024-12-01-preview";
    private const string Anthropic = "https://api.anthropic.com/v1/messages";
    private const string GeminiBase = "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash";

    public static readonly Case[] Successes =
    [
        new("openai/chat-completion-basic.json", OpenAIChat, "openai", "chat", "openai-chat"),
        new("openai/chat-completion-cache-write.json", OpenAIChat, "openai", "chat", "openai-chat"),
        new("openai/chat-completion-cached-tokens.json", OpenAIChat, "openai", "chat", "openai-chat"),
        new("openai/chat-completion-reasoning.json", OpenAIChat, "openai", "chat", "openai-chat"),
        new("openai/chat-completion-service-tier-reasoning.json", OpenAIChat, "openai", "chat", "openai-chat"),
        new("openai/chat-stream-include-usage.sse", OpenAIChat, "openai", "chat", "openai-chat"),
        new("openai/embeddings-multiple.json", "https://api.openai.com/v1/embeddings", "openai", "embeddings", "openai-embeddings"),
        new("openai/responses-basic.json", OpenAIResponses, "openai", "responses", "openai-responses"),
        new("openai/responses-cache-write.json", OpenAIResponses, "openai", "responses", "openai-responses"),
        new("openai/responses-cached-reasoning-websearch.json", OpenAIResponses, "openai", "responses", "openai-responses"),
        new("openai/responses-cached-tokens.json", OpenAIResponses, "openai", "responses", "openai-responses"),
        new("openai/responses-reasoning.json", OpenAIResponses, "openai", "responses", "openai-responses"),
        new("openai/responses-stream.sse", OpenAIResponses, "openai", "responses", "openai-responses"),
        new("openai/responses-stream-reasoning-mcp.sse", OpenAIResponses, "openai", "responses", "openai-responses"),
        new("azure-openai/chat-completion.json", AzureChat, "azure_openai", "chat", "openai-chat"),
        new("azure-openai/chat-completion-o1-reasoning.json", "https://contoso.openai.azure.com/openai/deployments/o1/chat/completions?api-version=2024-12-01-preview", "azure_openai", "chat", "openai-chat"),
        new("azure-openai/chat-stream-include-usage.sse", "https://contoso.cognitiveservices.azure.com/openai/deployments/gpt-4o-0806/chat/completions?api-version=2025-04-01-preview", "azure_openai", "chat", "openai-chat"),
        new("azure-openai/responses-reasoning.json", "https://contoso.openai.azure.com/openai/v1/responses", "azure_openai", "responses", "openai-responses"),
        new("anthropic/messages-cache-read.json", Anthropic, "anthropic", "messages", "anthropic"),
        new("anthropic/messages-cache-write-and-read.json", Anthropic, "anthropic", "messages", "anthropic"),
        new("anthropic/messages-stream.sse", Anthropic, "anthropic", "messages", "anthropic"),
        new("anthropic/messages-stream-thinking.sse", Anthropic, "anthropic", "messages", "anthropic"),
        new("anthropic/messages-stream-cache-read-compaction.sse", Anthropic, "anthropic", "messages", "anthropic"),
        new("gemini/generate-content-cached-content-thoughts.json", GeminiBase + ":generateContent", "gemini", "generate_content", "gemini"),
        new("gemini/generate-content-implicit-cache-video.json", GeminiBase + ":generateContent", "gemini", "generate_content", "gemini"),
        new("gemini/generate-content-thoughts.json", GeminiBase + ":generateContent", "gemini", "generate_content", "gemini"),
        new("gemini/stream-generate-content.sse", GeminiBase + ":streamGenerateContent?alt=sse", "gemini", "generate_content", "gemini"),
        new("gemini/vertex-stream-generate-content-flex.sse", "https://aiplatform.googleapis.com/v1/projects/p/locations/global/publishers/google/models/gemini-3-flash-preview:streamGenerateContent?alt=sse", "vertex_ai", "generate_content", "gemini"),
    ];

    public static TheoryData<Case> SuccessCases()
    {
        var data = new TheoryData<Case>();
        foreach (var c in Successes)
        {
            data.Add(c);
        }

        return data;
    }

    [Fact]
    public void Every_success_fixture_is_covered()
    {
        var all = new[] { "openai", "azure-openai", "anthropic", "gemini" }
            .SelectMany(d => Directory.GetFiles(Fixtures.PathOf(d)).Select(f => d + "/" + Path.GetFileName(f)))
            .Where(f => !Path.GetFileName(f).Contains("error", StringComparison.Ordinal))
            .Order();
        Assert.Equal(all, Successes.Select(c => c.File).Order());
    }

    [Theory]
    [MemberData(nameof(SuccessCases))]
    public async Task Whole_body_read_yields_the_expected_event(Case c)
    {
        var body = Fixtures.Bytes(c.File);
        await using var client = new TestClient();
        using var http = client.Http(StubHandler.Returning(body, c.Sse ? "text/event-stream" : "application/json"));

        using var response = await http.PostAsync(c.Url, JsonBody(c));
        Assert.Equal(body, await response.Content.ReadAsByteArrayAsync());

        AssertEvent(c, body, client.Single());
    }

    [Theory]
    [MemberData(nameof(SuccessCases))]
    public async Task Slow_chunked_read_passes_identical_bytes_and_yields_the_same_event(Case c)
    {
        var body = Fixtures.Bytes(c.File);
        await using var client = new TestClient();
        using var http = client.Http(StubHandler.Returning(body, c.Sse ? "text/event-stream" : "application/json", chunkSize: 7));

        using var request = new HttpRequestMessage(HttpMethod.Post, c.Url) { Content = JsonBody(c) };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        await using var stream = await response.Content.ReadAsStreamAsync();
        var received = new MemoryStream();
        var buffer = new byte[5];
        int n;
        while ((n = await stream.ReadAsync(buffer)) > 0)
        {
            received.Write(buffer, 0, n);
        }

        Assert.Equal(body, received.ToArray());
        AssertEvent(c, body, client.Single());
    }

    [Theory]
    [MemberData(nameof(SuccessCases))]
    public async Task A_body_still_to_come_that_arrives_in_one_read_yields_the_same_event(Case c)
    {
        // What a socket gives: content of a known length, not in memory when the handler returns, often read whole
        // in one read (the capture then scans it as one document).
        var body = Fixtures.Bytes(c.File);
        await using var client = new TestClient();
        using var http = client.Http(new StubHandler((_, _) =>
        {
            var content = new StreamContent(new ChunkedStream(body, body.Length));
            content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(c.Sse ? "text/event-stream" : "application/json");
            content.Headers.ContentLength = body.Length;
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = content });
        }));

        using var request = new HttpRequestMessage(HttpMethod.Post, c.Url) { Content = JsonBody(c) };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(body, await response.Content.ReadAsByteArrayAsync());
        AssertEvent(c, body, client.Single());
    }

    private static void AssertEvent(Case c, byte[] body, UsageEvent e)
    {
        var usage = FixtureExpectations.ExpectedUsage(body, c.Sse, c.Dialect) with { ServiceTier = FixtureExpectations.ExpectedServiceTier(body, c.Sse) };
        var model = FixtureExpectations.Model(body, c.Sse);
        Assert.Equal(c.Provider, e.Provider);
        Assert.Equal(c.Operation, e.Operation);
        Assert.Equal(model, e.Model);
        Assert.Equal(FixtureExpectations.ResponseId(body, c.Sse), e.RequestId);
        Assert.Equal(usage, e.Usage);
        Assert.True(usage.InputTokens > 0, "every success fixture reports input tokens");
        Assert.Equal(c.Sse, e.Stream);
        Assert.Equal(UsageStatus.Ok, e.Status);
        Assert.Equal(200, e.HttpStatus);
        Assert.Null(e.Metadata);
        Assert.Equal(FixtureExpectations.ExpectedCost(c.Provider, model!, usage), e.CostUsd);
        Assert.Equal(e.CostUsd is null, e.PriceVersion is null);
        Assert.Equal(26, e.EventId.Length);
        if (c.Sse)
        {
            Assert.NotNull(e.TtftMs);
        }
        else
        {
            Assert.Null(e.TtftMs);
        }
    }

    [Fact]
    public async Task Gemini_audio_input_is_billed_at_the_audio_rates()
    {
        // gemini-2.5-flash list prices (ai.google.dev, 2026-11-21): input $0.30, audio input $1.00, cached $0.03,
        // cached audio $0.10, output $2.50 per 1M. The fixture: prompt 17,713 (AUDIO 1,917), cached 17,379 (AUDIO
        // 1,881), candidates 68 + thoughts 821 = 889 out. Uncached: 334, of which audio 1,917 − 1,881 = 36.
        // (334 − 36) × 0.30 + 36 × 1.00 + (17,379 − 1,881) × 0.03 + 1,881 × 0.10 + 889 × 2.50
        // = 89.40 + 36.00 + 464.94 + 188.10 + 2,222.50 = 3,000.94 µ$. At the text rate it was 2,844.07 µ$ (5.2 % under).
        var body = Fixtures.Bytes("gemini/generate-content-implicit-cache-video.json");
        await using var client = new TestClient();
        using var http = client.Http(StubHandler.Returning(body, "application/json"));
        using var response = await http.PostAsync("https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent", new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));
        await response.Content.ReadAsByteArrayAsync();

        var e = client.Single();
        Assert.Equal(1917, e.TokensAudioIn);
        Assert.Equal(1881, e.TokensAudioCachedIn);
        Assert.Equal(0, e.TokensAudioOut);
        Assert.Equal(0.00300094m, e.CostUsd);
    }

    [Fact]
    public async Task OpenAI_audio_tokens_are_billed_at_the_audio_rates()
    {
        // An audio chat answer (OpenAI's documented usage shape) priced by an override at gpt-4o-audio-preview's list
        // prices: text $2.50 in / $10 out, audio $40 in / $80 out per 1M. 1,000 in of which 400 audio, 500 out of which
        // 300 audio: 600 × 2.50 + 400 × 40 + 200 × 10 + 300 × 80 = 1,500 + 16,000 + 2,000 + 24,000 µ$ = $0.0435.
        var body = """{"id":"chatcmpl-a","model":"gpt-4o-audio-preview-2024-12-17","choices":[],"usage":{"prompt_tokens":1000,"completion_tokens":500,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":400},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":300}}}"""u8.ToArray();
        await using var client = new TestClient(o => o.PriceOverrides.Add(new LensAI.Pricing.ModelPrice
        {
            Provider = "openai", Model = "gpt-4o-audio-preview-2024-12-17",
            InputPerMillion = 2.5m, OutputPerMillion = 10m, AudioInputPerMillion = 40m, AudioOutputPerMillion = 80m,
        }));
        using var http = client.Http(StubHandler.Returning(body, "application/json"));
        using var response = await http.PostAsync("https://api.openai.com/v1/chat/completions", new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));
        await response.Content.ReadAsByteArrayAsync();

        var e = client.Single();
        Assert.Equal((400, 0, 300), (e.TokensAudioIn, e.TokensAudioCachedIn, e.TokensAudioOut));
        Assert.Equal(0.0435m, e.CostUsd);
    }

    [Fact]
    public async Task A_compacted_anthropic_stream_bills_every_step_not_only_the_last()
    {
        // The fixture's usage.iterations: a compaction step (100 in, 83 out, 55,096 cache read) and the message
        // (181 in, 8 out); its top-level usage holds only the message. Claude Sonnet 4.6 list price: $3 / $15 per 1M,
        // cache reads $0.30. Hand-computed: (281 × 3 + 91 × 15 + 55,096 × 0.30) / 1M = $0.0187368.
        const string File = "anthropic/messages-stream-cache-read-compaction.sse";
        var body = Fixtures.Bytes(File);
        await using var client = new TestClient();
        using var http = client.Http(StubHandler.Returning(body, "text/event-stream"));
        using var response = await http.PostAsync(Anthropic, new StringContent("""{"model":"claude-sonnet-4-6","stream":true}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(body, await response.Content.ReadAsByteArrayAsync());

        var e = client.Single();
        Assert.Equal(new TokenUsage(281 + 55_096, 91, 55_096, 0, 0), e.Usage);
        Assert.Equal(0.0187368m, e.CostUsd);
    }

    [Fact]
    public async Task A_compacted_anthropic_message_bills_every_step_with_its_cache_writes()
    {
        // A non-streamed message with the same usage shape as the recorded stream (usage at the end of the document,
        // where the tail reader takes it; the iterations array sends it to the general reader).
        const string Usage = """{"input_tokens":181,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":8,"iterations":[{"input_tokens":100,"output_tokens":83,"cache_read_input_tokens":55096,"cache_creation_input_tokens":40,"cache_creation":{"ephemeral_5m_input_tokens":30,"ephemeral_1h_input_tokens":10},"type":"compaction"},{"input_tokens":181,"output_tokens":8,"cache_read_input_tokens":0,"cache_creation_input_tokens":0,"type":"message"}]}""";
        var body = System.Text.Encoding.UTF8.GetBytes($$"""{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-6","content":[{"type":"text","text":"hi"}],"stop_reason":"end_turn","usage":{{Usage}}}""");
        await using var client = new TestClient();
        using var http = client.Http(StubHandler.Returning(body, "application/json"));
        using var response = await http.PostAsync(Anthropic, new StringContent("""{"model":"claude-sonnet-4-6"}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(body, await response.Content.ReadAsByteArrayAsync());

        // $3 in, $15 out, $0.30 cache read, $3.75 5-minute and $6 1-hour cache writes per 1M (Claude Sonnet 4.6).
        var e = client.Single();
        Assert.Equal(new TokenUsage(281 + 55_096 + 40, 91, 55_096, 40, 0) { CacheWrite1hTokens = 10 }, e.Usage);
        Assert.Equal(((281 * 3m) + (91 * 15m) + (55_096 * 0.30m) + (30 * 3.75m) + (10 * 6m)) / 1_000_000m, e.CostUsd);
    }

    private static StringContent JsonBody(Case c)
        => new(c.Sse && c.Provider != "gemini" && c.Provider != "vertex_ai"
            ? """{"model":"requested-model","stream":true,"stream_options":{"include_usage":true}}"""
            : """{"model":"requested-model"}""", System.Text.Encoding.UTF8, "application/json");

    public static TheoryData<string, string, int, UsageStatus> ErrorCases() => new()
    {
        { "openai/chat-error-400-invalid-schema.json", OpenAIChat, 400, UsageStatus.Error },
        { "openai/chat-error-401-invalid-api-key.json", OpenAIChat, 401, UsageStatus.Error },
        { "openai/chat-error-404-model-not-found.json", OpenAIChat, 404, UsageStatus.Error },
        { "openai/chat-error-404-not-found.json", OpenAIChat, 404, UsageStatus.Error },
        { "openai/embeddings-error-400.json", "https://api.openai.com/v1/embeddings", 400, UsageStatus.Error },
        { "openai/responses-error-404.json", OpenAIResponses, 404, UsageStatus.Error },
        { "openai/openrouter-chat-error-429-rate-limited.json", "https://openrouter.ai/api/v1/chat/completions", 429, UsageStatus.RateLimited },
        { "azure-openai/chat-error-401-bad-key.json", AzureChat, 401, UsageStatus.Error },
        { "anthropic/error-400-invalid-request.json", Anthropic, 400, UsageStatus.Error },
        { "anthropic/error-404-model-not-found.json", Anthropic, 404, UsageStatus.Error },
        { "gemini/error-404-model-not-found.json", GeminiBase + ":generateContent", 404, UsageStatus.Error },
    };

    [Theory]
    [MemberData(nameof(ErrorCases))]
    public async Task Error_answers_reach_the_caller_unchanged_and_are_recorded_with_status(string file, string url, int status, UsageStatus expected)
    {
        var body = Fixtures.Bytes(file);
        await using var client = new TestClient();
        using var http = client.Http(StubHandler.Returning(body, "application/json", (HttpStatusCode)status));

        using var response = await http.PostAsync(url, new StringContent("""{"model":"gpt-4o-mini"}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(body, await response.Content.ReadAsByteArrayAsync());

        var e = client.Single();
        Assert.Equal(expected, e.Status);
        Assert.Equal(status, e.HttpStatus);
        Assert.Equal(0, e.TokensIn);
        Assert.Equal(0, e.TokensOut);
        Assert.Equal(url.Contains("gemini", StringComparison.Ordinal) ? "gemini-2.5-flash" : "gpt-4o-mini", e.Model);
    }
}
