using System.Text;
using System.Text.Json;
using LensAI.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;

namespace LensAI.Extensions.AI.Tests;

/// <summary>
/// <c>UseLensAI</c> over a chat client whose HttpClient also carries the LensAI handler, against real Kestrel on
/// loopback serving recorded fixtures: each model call is exactly one event, carrying the provider's exact usage.
/// </summary>
public sealed class OneCallOneEventTests
{
    private static readonly ChatMessage[] s_prompt = [new(ChatRole.User, "hi")];

    private sealed class Setup : IAsyncDisposable
    {
        private Setup(LoopbackServer server, TestLens test, HttpClient http, List<string> bodies)
        {
            Server = server;
            Test = test;
            Http = http;
            Bodies = bodies;
        }

        public LoopbackServer Server { get; }

        public TestLens Test { get; }

        public HttpClient Http { get; }

        public Uri V1 => new(Server.BaseAddress, "v1");

        public List<string> Bodies { get; }

        public static async Task<Setup> StartAsync(RequestDelegate answer, bool handler = true)
        {
            var bodies = new List<string>();
            var server = await LoopbackServer.StartAsync(async ctx =>
            {
                using var reader = new StreamReader(ctx.Request.Body);
                var body = await reader.ReadToEndAsync();
                lock (bodies)
                {
                    bodies.Add(body);
                }

                await answer(ctx);
            });
            var v1 = new Uri(server.BaseAddress, "v1");
            var test = new TestLens(o => o.OpenAICompatibleEndpoints.Add(new OpenAICompatibleEndpoint { BaseUrl = v1, Provider = "openai" }));
            var http = handler ? new HttpClient(test.Lens.CreateHandler(new SocketsHttpHandler())) : new HttpClient();
            return new Setup(server, test, http, bodies);
        }

        public IChatClient Chat(bool useLensAI = true)
        {
            IChatClient chat = new OpenAIHttpChatClient(Http, V1, "gpt-4o-mini");
            return useLensAI ? chat.UseLensAI(Test.Lens) : chat;
        }

        public async ValueTask DisposeAsync()
        {
            Http.Dispose();
            await Test.DisposeAsync();
            await Server.DisposeAsync();
        }
    }

    private static RequestDelegate Fixture(string file, int status = 200)
    {
        var body = Fixtures.Bytes(file);
        return async ctx =>
        {
            ctx.Response.StatusCode = status;
            ctx.Response.ContentType = file.EndsWith(".sse", StringComparison.Ordinal) ? "text/event-stream" : "application/json";
            await ctx.Response.Body.WriteAsync(body);
        };
    }

    /// <summary>A chat fixture's usage, from its own numbers (prompt_tokens includes cached; completion_tokens includes reasoning).</summary>
    private static (TokenUsage Usage, string Model, string Id) Expected(string file)
    {
        var text = Fixtures.Text(file);
        var documents = file.EndsWith(".sse", StringComparison.Ordinal)
            ? text.Split('\n').Where(l => l.StartsWith("data: {", StringComparison.Ordinal)).Select(l => JsonDocument.Parse(l[6..]).RootElement).ToList()
            : [JsonDocument.Parse(text).RootElement];
        var usage = documents.Last(d => d.TryGetProperty("usage", out var u) && u.ValueKind == JsonValueKind.Object).GetProperty("usage");
        int Get(JsonElement e, params string[] path)
        {
            foreach (var name in path)
            {
                if (!e.TryGetProperty(name, out e))
                {
                    return 0;
                }
            }

            return e.GetInt32();
        }

        return (
            new TokenUsage(Get(usage, "prompt_tokens"), Get(usage, "completion_tokens"),
                Get(usage, "prompt_tokens_details", "cached_tokens"), Get(usage, "prompt_tokens_details", "cache_write_tokens"),
                Get(usage, "completion_tokens_details", "reasoning_tokens")),
            documents[0].GetProperty("model").GetString()!,
            documents[0].GetProperty("id").GetString()!);
    }

    [Theory]
    [InlineData("openai/chat-completion-cached-tokens.json")]
    [InlineData("openai/chat-completion-reasoning.json")]
    public async Task Chat_call_is_one_event_with_the_exact_usage_from_the_wire(string file)
    {
        await using var setup = await Setup.StartAsync(Fixture(file));
        using var chat = setup.Chat();

        var response = await chat.GetResponseAsync(s_prompt);

        var expected = Expected(file);
        Assert.Null(response.Usage!.CachedInputTokenCount); // the chat client itself does not report them...
        var e = setup.Test.Single();
        Assert.Equal(expected.Usage, e.Usage); // ...the event has them, from the provider's answer
        Assert.True(e.Usage.CachedInputTokens > 0 || e.Usage.ReasoningTokens > 0);
        Assert.Equal(expected.Model, e.Model);
        Assert.Equal(expected.Id, e.RequestId);
        Assert.Equal("openai", e.Provider);
        Assert.Equal("chat", e.Operation);
        Assert.Equal(200, e.HttpStatus);
        Assert.Equal(UsageStatus.Ok, e.Status);
        Assert.Single(setup.Bodies);
    }

    [Fact]
    public async Task Streamed_chat_call_is_one_event_with_the_exact_usage_from_the_wire()
    {
        const string File = "openai/chat-stream-include-usage.sse";
        await using var setup = await Setup.StartAsync(Fixture(File));
        using var chat = setup.Chat();

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in chat.GetStreamingResponseAsync(s_prompt))
        {
            updates.Add(update);
        }

        Assert.Equal(13, updates.Count);
        var e = setup.Test.Single();
        Assert.Equal(Expected(File).Usage, e.Usage);
        Assert.True(e.Stream);
        Assert.NotNull(e.TtftMs);
        Assert.Equal(200, e.HttpStatus);
        Assert.Equal(UsageStatus.Ok, e.Status);
    }

    [Fact]
    public async Task Model_call_started_after_the_stream_already_yielded_is_still_owned_by_the_middleware()
    {
        // An inner client (say, middleware that announces progress first) whose HTTP call starts on a later step of
        // the stream: the step runs in the consumer's flow, and must still belong to the middleware's capture.
        const string File = "openai/chat-stream-include-usage.sse";
        await using var setup = await Setup.StartAsync(Fixture(File));
        using var http = new OpenAIHttpChatClient(setup.Http, setup.V1, "gpt-4o-mini");
        var inner = new TestChatClient { GetStreamingResponseAsyncCallback = (m, o, ct) => ProgressThen(http.GetStreamingResponseAsync(m, o, ct)) };
        using var chat = inner.UseLensAI(setup.Test.Lens);

        var updates = 0;
        await foreach (var update in chat.GetStreamingResponseAsync(s_prompt))
        {
            updates++;
        }

        Assert.Equal(14, updates);
        var e = setup.Test.Single();
        Assert.Equal(Expected(File).Usage, e.Usage);
        Assert.Equal(200, e.HttpStatus);

        static async IAsyncEnumerable<ChatResponseUpdate> ProgressThen(IAsyncEnumerable<ChatResponseUpdate> model)
        {
            yield return new ChatResponseUpdate(ChatRole.Assistant, "thinking…");
            await foreach (var update in model)
            {
                yield return update;
            }
        }
    }

    [Fact]
    public async Task Rate_limited_call_is_one_event_with_the_wires_status()
    {
        await using var setup = await Setup.StartAsync(Fixture("openai/openrouter-chat-error-429-rate-limited.json", 429));
        using var chat = setup.Chat();

        await Assert.ThrowsAsync<HttpRequestException>(() => chat.GetResponseAsync(s_prompt));

        var e = setup.Test.Single();
        Assert.Equal(UsageStatus.RateLimited, e.Status);
        Assert.Equal(429, e.HttpStatus);
        Assert.Equal("gpt-4o-mini", e.Model); // from the request body
    }

    [Fact]
    public async Task Stream_abandoned_mid_way_is_one_event()
    {
        using var release = new CancellationTokenSource();
        var first = Encoding.UTF8.GetBytes(Fixtures.Text("openai/chat-stream-include-usage.sse").Split("\n\n")[0] + "\n\n");
        await using var setup = await Setup.StartAsync(async ctx =>
        {
            ctx.Response.ContentType = "text/event-stream";
            await ctx.Response.Body.WriteAsync(first);
            await ctx.Response.Body.FlushAsync();
            using var either = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted, release.Token);
            await Task.Delay(Timeout.Infinite, either.Token).ContinueWith(_ => { }, TaskScheduler.Default);
        });
        using var chat = setup.Chat();

        await foreach (var update in chat.GetStreamingResponseAsync(s_prompt))
        {
            break;
        }

        var e = setup.Test.Single();
        Assert.Equal("abandoned", e.Metadata![UsageEvent.IncompleteMetadataKey]);
        Assert.Equal(200, e.HttpStatus); // the wire's event, owned by the middleware
        Assert.True(e.Stream);
        await release.CancelAsync();
    }

    [Fact]
    public async Task Handler_alone_records_the_call()
    {
        // Control: the handler is live in this HttpClient, so one event above means the middleware took ownership.
        await using var setup = await Setup.StartAsync(Fixture("openai/chat-completion-cached-tokens.json"));
        using var chat = setup.Chat(useLensAI: false);

        await chat.GetResponseAsync(s_prompt);

        Assert.Equal(Expected("openai/chat-completion-cached-tokens.json").Usage, setup.Test.Single().Usage);
    }

    [Fact]
    public async Task Without_the_handler_the_event_is_built_from_the_chat_clients_usage()
    {
        const string File = "openai/chat-completion-cached-tokens.json";
        await using var setup = await Setup.StartAsync(Fixture(File), handler: false);
        using var chat = setup.Chat();

        await chat.GetResponseAsync(s_prompt);

        var expected = Expected(File);
        var e = setup.Test.Single();
        Assert.Equal(new TokenUsage(expected.Usage.InputTokens, expected.Usage.OutputTokens), e.Usage); // only what the client reports
        Assert.Equal(expected.Model, e.Model);
        Assert.Equal("openai", e.Provider);
        Assert.Null(e.HttpStatus);
    }
}
