using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text;
using LensAI.Testing;
using Microsoft.AspNetCore.Http;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Embeddings;
using OpenAI.Responses;

namespace LensAI.OpenAI.Tests;

/// <summary>
/// The real OpenAI .NET SDK, configured with <c>UseLensAI</c>, against a real Kestrel server on loopback that
/// answers with the recorded fixtures in ../shared/fixtures.
/// </summary>
public sealed class OpenAIPipelinePolicyTests
{
    private const string Model = "gpt-test";
    private static readonly ApiKeyCredential s_key = new("sk-test");

    public static TheoryData<string, bool> ChatFixtures()
    {
        var data = new TheoryData<string, bool>();
        foreach (var file in new[]
                 {
                     "openai/chat-completion-basic.json",
                     "openai/chat-completion-cache-write.json",
                     "openai/chat-completion-cached-tokens.json",
                     "openai/chat-completion-reasoning.json",
                     "openai/chat-completion-service-tier-reasoning.json",
                 })
        {
            data.Add(file, false);
            data.Add(file, true);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ChatFixtures))]
    public async Task Chat_completion_is_one_event_with_the_providers_usage(string file, bool sync)
    {
        await using var server = (await FixtureServer.StartAsync()).Serve(file);
        await using var test = OpenAITestLens.Create(server.V1);
        var chat = new ChatClient(Model, s_key, test.Options(server));

        ChatCompletion completion = sync ? chat.CompleteChat(new UserChatMessage("hi")) : await chat.CompleteChatAsync(new UserChatMessage("hi"));

        var expected = Expected.Of(file);
        Assert.Equal(expected.ResponseId, completion.Id); // the caller got the provider's answer
        Assert.Equal(expected.Usage.InputTokens, completion.Usage.InputTokenCount);
        Assert.Equal(expected.Usage.OutputTokens, completion.Usage.OutputTokenCount);
        AssertRecorded(test, expected, "chat");
        Assert.Single(server.Requests);
        Assert.Equal("/v1/chat/completions", server.Requests.Single().Path);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Streaming_chat_is_one_event_with_the_usage_of_the_last_chunk(bool sync)
    {
        const string File = "openai/chat-stream-include-usage.sse";
        await using var server = (await FixtureServer.StartAsync()).Serve(File);
        await using var test = OpenAITestLens.Create(server.V1);
        var chat = new ChatClient(Model, s_key, test.Options(server));

        var updates = new List<StreamingChatCompletionUpdate>();
        if (sync)
        {
            foreach (var update in chat.CompleteChatStreaming(new UserChatMessage("hi")))
            {
                updates.Add(update);
            }
        }
        else
        {
            await foreach (var update in chat.CompleteChatStreamingAsync(new UserChatMessage("hi")))
            {
                updates.Add(update);
            }
        }

        var expected = Expected.Of(File);
        Assert.Equal(13, updates.Count); // every chunk of the fixture reached the caller (14 data lines, one is [DONE])
        Assert.Equal(expected.Usage.OutputTokens, updates.Single(u => u.Usage is not null).Usage.OutputTokenCount);
        AssertRecorded(test, expected, "chat");
        Assert.Contains("\"include_usage\":true", server.Requests.Single().Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stream_abandoned_by_the_caller_is_one_event_marked_abandoned()
    {
        using var release = new CancellationTokenSource();
        var first = Encoding.UTF8.GetBytes(Fixtures.Text("openai/chat-stream-include-usage.sse").Split("\n\n")[0] + "\n\n");
        await using var server = await FixtureServer.StartAsync();
        server.Default = async ctx =>
        {
            ctx.Response.ContentType = "text/event-stream";
            await ctx.Response.Body.WriteAsync(first);
            await ctx.Response.Body.FlushAsync();
            using var either = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted, release.Token);
            await Task.Delay(Timeout.Infinite, either.Token).ContinueWith(_ => { }, TaskScheduler.Default);
        };
        await using var test = OpenAITestLens.Create(server.V1);
        var chat = new ChatClient(Model, s_key, test.Options(server));

        await foreach (var update in chat.CompleteChatStreamingAsync(new UserChatMessage("hi")))
        {
            Assert.Empty(test.Events); // nothing is recorded while the caller is still reading
            break;
        }

        await Eventually.TrueAsync(() => !test.Events.IsEmpty);
        var e = test.Single();
        Assert.True(e.Stream);
        Assert.Equal(UsageStatus.Ok, e.Status);
        Assert.Equal("abandoned", e.Metadata![UsageEvent.IncompleteMetadataKey]);
        Assert.Equal("gpt-4o-2024-08-06", e.Model); // named by the chunk that was read

        // Its usage never came: the prompt "hi" is estimated from the request body the SDK sent (3 UTF-8 bytes with
        // its separator → 1 token, plus 3 for the message and 3 for the reply); the one chunk read had no text.
        Assert.True(e.UsageEstimated);
        Assert.Equal(new TokenUsage(7, 0), e.Usage);
        await release.CancelAsync();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Embeddings_are_one_event_with_the_input_tokens(bool sync)
    {
        const string File = "openai/embeddings-multiple.json";
        await using var server = (await FixtureServer.StartAsync()).Serve(File);
        await using var test = OpenAITestLens.Create(server.V1);
        var embeddings = new EmbeddingClient("text-embedding-3-small", s_key, test.Options(server));

        string[] inputs = ["one", "two", "three"];
        OpenAIEmbeddingCollection result = sync ? embeddings.GenerateEmbeddings(inputs) : await embeddings.GenerateEmbeddingsAsync(inputs);

        Assert.Equal(3, result.Count);
        Assert.False(result[0].ToFloats().IsEmpty);
        var expected = Expected.Of(File);
        Assert.Equal(0, expected.Usage.OutputTokens);
        AssertRecorded(test, expected, "embeddings");
    }

    [Theory]
    [InlineData("openai/responses-basic.json")]
    [InlineData("openai/responses-reasoning.json")]
    [InlineData("openai/responses-cached-tokens.json")]
    public async Task Response_from_the_responses_client_of_an_OpenAIClient_is_one_event(string file)
    {
        await using var server = (await FixtureServer.StartAsync()).Serve(file);
        await using var test = OpenAITestLens.Create(server.V1);
        var responses = new OpenAIClient(s_key, test.Options(server)).GetResponsesClient();

        ResponseResult response = await responses.CreateResponseAsync(new CreateResponseOptions(Model, [ResponseItem.CreateUserMessageItem("hi")]));

        var expected = Expected.Of(file);
        Assert.Equal(expected.ResponseId, response.Id);
        AssertRecorded(test, expected, "responses");
        Assert.Equal("/v1/responses", server.Requests.Single().Path);
    }

    [Fact]
    public async Task Streamed_response_of_a_ResponsesClient_with_its_own_options_is_one_event()
    {
        const string File = "openai/responses-stream.sse";
        await using var server = (await FixtureServer.StartAsync()).Serve(File);
        await using var test = OpenAITestLens.Create(server.V1);
        var options = new ResponsesClientOptions { Endpoint = server.V1, RetryPolicy = new ClientRetryPolicy(0) }.UseLensAI(test.Lens);
        var responses = new ResponsesClient(s_key, options);

        var updates = 0;
        var request = new CreateResponseOptions(Model, [ResponseItem.CreateUserMessageItem("hi")]) { StreamingEnabled = true };
        await foreach (var update in await responses.CreateResponseStreamingAsync(request))
        {
            updates++;
        }

        Assert.Equal(17, updates);
        AssertRecorded(test, Expected.Of(File), "responses");
    }

    public static TheoryData<string, int, bool> ErrorFixtures() => new()
    {
        { "openai/chat-error-400-invalid-schema.json", 400, false },
        { "openai/chat-error-401-invalid-api-key.json", 401, false },
        { "openai/chat-error-401-invalid-api-key.json", 401, true },
        { "openai/chat-error-404-model-not-found.json", 404, false },
    };

    [Theory]
    [MemberData(nameof(ErrorFixtures))]
    public async Task Error_answer_reaches_the_caller_and_is_one_event_with_its_status(string file, int status, bool sync)
    {
        await using var server = (await FixtureServer.StartAsync()).Serve(file, status);
        await using var test = OpenAITestLens.Create(server.V1);
        var chat = new ChatClient(Model, s_key, test.Options(server, new ImmediateRetryPolicy(3)));

        var ex = sync
            ? Assert.Throws<ClientResultException>(() => chat.CompleteChat(new UserChatMessage("hi")))
            : await Assert.ThrowsAsync<ClientResultException>(() => chat.CompleteChatAsync(new UserChatMessage("hi")));

        Assert.Equal(status, ex.Status);
        Assert.Equal(Fixtures.Text(file), ex.GetRawResponse()!.Content.ToString()); // the caller reads the provider's error
        var e = test.Single();
        Assert.Equal(UsageStatus.Error, e.Status);
        Assert.Equal(status, e.HttpStatus);
        Assert.Equal(Model, e.Model); // from the request: the error names none
        Assert.Equal(default, e.Usage);
        Assert.Single(server.Requests); // not retried by the SDK
    }

    [Fact]
    public async Task Rate_limited_call_retried_by_the_SDK_is_one_event()
    {
        await using var server = (await FixtureServer.StartAsync()).Serve("openai/openrouter-chat-error-429-rate-limited.json", 429);
        await using var test = OpenAITestLens.Create(server.V1);
        var chat = new ChatClient(Model, s_key, test.Options(server, new ImmediateRetryPolicy(3)));

        var ex = await Assert.ThrowsAsync<ClientResultException>(() => chat.CompleteChatAsync(new UserChatMessage("hi")));

        Assert.Equal(429, ex.Status);
        Assert.Equal(4, server.Requests.Count); // the first attempt and three retries...
        var e = test.Single(); // ...are one logical call
        Assert.Equal(UsageStatus.RateLimited, e.Status);
        Assert.Equal(429, e.HttpStatus);
    }

    [Fact]
    public async Task Call_that_succeeds_on_retry_is_one_event_with_the_usage_and_the_whole_latency()
    {
        const string File = "openai/chat-completion-basic.json";
        await using var server = await FixtureServer.StartAsync();
        await using var test = OpenAITestLens.Create(server.V1);
        var rateLimited = FixtureServer.Fixture("openai/openrouter-chat-error-429-rate-limited.json", 429);
        var ok = FixtureServer.Fixture(File);
        server.Then(ctx =>
        {
            test.Time.Advance(TimeSpan.FromMilliseconds(120));
            return rateLimited(ctx);
        });
        server.Default = ctx =>
        {
            test.Time.Advance(TimeSpan.FromMilliseconds(80));
            return ok(ctx);
        };
        var chat = new ChatClient(Model, s_key, test.Options(server, new ImmediateRetryPolicy(3)));

        await chat.CompleteChatAsync(new UserChatMessage("hi"));

        Assert.Equal(2, server.Requests.Count);
        var e = AssertRecorded(test, Expected.Of(File), "chat");
        Assert.Equal(200, e.LatencyMs); // both attempts
    }

    [Theory]
    [InlineData("openai/chat-completion-cached-tokens.json")]
    [InlineData("openai/chat-stream-include-usage.sse")]
    public async Task Transport_HttpClient_that_also_carries_the_LensAI_handler_still_gives_one_event(string file)
    {
        await using var server = (await FixtureServer.StartAsync()).Serve(file);
        await using var test = OpenAITestLens.Create(server.V1);
        using var http = new HttpClient(test.Lens.CreateHandler(new SocketsHttpHandler()));
        var options = test.Options(server);
        options.Transport = new HttpClientPipelineTransport(http);
        var chat = new ChatClient(Model, s_key, options);

        if (file.EndsWith(".sse", StringComparison.Ordinal))
        {
            await foreach (var update in chat.CompleteChatStreamingAsync(new UserChatMessage("hi")))
            {
            }
        }
        else
        {
            await chat.CompleteChatAsync(new UserChatMessage("hi"));
        }

        AssertRecorded(test, Expected.Of(file), "chat");
    }

    [Fact]
    public async Task The_handler_alone_in_the_transport_records_the_call()
    {
        // Control for the test above: the handler is live in that transport, so one event there means it stepped aside.
        await using var server = (await FixtureServer.StartAsync()).Serve("openai/chat-completion-basic.json");
        await using var test = OpenAITestLens.Create(server.V1);
        using var http = new HttpClient(test.Lens.CreateHandler(new SocketsHttpHandler()));
        var chat = new ChatClient(Model, s_key, new OpenAIClientOptions { Endpoint = server.V1, Transport = new HttpClientPipelineTransport(http) });

        await chat.CompleteChatAsync(new UserChatMessage("hi"));

        AssertRecorded(test, Expected.Of("openai/chat-completion-basic.json"), "chat");
    }

    [Fact]
    public async Task UseLensAI_twice_on_the_same_options_still_gives_one_event()
    {
        await using var server = (await FixtureServer.StartAsync()).Serve("openai/chat-completion-basic.json");
        await using var test = OpenAITestLens.Create(server.V1);
        var chat = new ChatClient(Model, s_key, test.Options(server).UseLensAI(test.Lens));

        await chat.CompleteChatAsync(new UserChatMessage("hi"));

        Assert.Single(test.Events);
    }

    [Fact]
    public async Task Network_failure_reaches_the_caller_and_is_one_error_event()
    {
        await using var server = await FixtureServer.StartAsync();
        await using var test = OpenAITestLens.Create(server.V1);
        var failure = new HttpRequestException("Connection refused (simulated).");
        using var http = new HttpClient(new StubHandler((_, _) => throw failure));
        var options = test.Options(server);
        options.Transport = new HttpClientPipelineTransport(http);
        var chat = new ChatClient(Model, s_key, options);

        var ex = await Assert.ThrowsAnyAsync<Exception>(() => chat.CompleteChatAsync(new UserChatMessage("hi")));

        Assert.Same(failure, ex is HttpRequestException ? ex : ex.InnerException);
        var e = test.Single();
        Assert.Equal(UsageStatus.Error, e.Status);
        Assert.Null(e.HttpStatus);
        Assert.Equal(Model, e.Model);
    }

    [Fact]
    public async Task Cancelled_call_is_one_error_event_marked_cancelled()
    {
        await using var server = await FixtureServer.StartAsync();
        server.Default = async ctx => await Task.Delay(Timeout.Infinite, ctx.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        await using var test = OpenAITestLens.Create(server.V1);
        var chat = new ChatClient(Model, s_key, test.Options(server));
        using var cts = new CancellationTokenSource();

        var call = chat.CompleteChatAsync([new UserChatMessage("hi")], cancellationToken: cts.Token);
        await Eventually.TrueAsync(() => !server.Requests.IsEmpty);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        var e = test.Single();
        Assert.Equal(UsageStatus.Error, e.Status);
        Assert.Equal("cancelled", e.Metadata!["lensai.exception"]);
    }

    [Fact]
    public async Task Endpoint_LensAI_does_not_recognize_passes_through_unrecorded()
    {
        await using var server = (await FixtureServer.StartAsync()).Serve("openai/chat-completion-basic.json");
        await using var test = OpenAITestLens.Create(new Uri("https://llm.internal.example/v1"));
        var chat = new ChatClient(Model, s_key, test.Options(server));

        ChatCompletion completion = await chat.CompleteChatAsync(new UserChatMessage("hi"));

        Assert.Equal(Expected.Of("openai/chat-completion-basic.json").ResponseId, completion.Id);
        Assert.Empty(test.Events);
    }

    [Fact]
    public async Task Disabled_LensAI_records_nothing()
    {
        await using var server = (await FixtureServer.StartAsync()).Serve("openai/chat-completion-basic.json");
        await using var test = OpenAITestLens.Create(server.V1, o => o.Enabled = false);
        var chat = new ChatClient(Model, s_key, test.Options(server));

        await chat.CompleteChatAsync(new UserChatMessage("hi"));

        Assert.Empty(test.Events);
    }

    [Fact]
    public async Task Attribution_scope_applies_to_the_event()
    {
        await using var server = (await FixtureServer.StartAsync()).Serve("openai/chat-completion-basic.json");
        await using var test = OpenAITestLens.Create(server.V1);
        var chat = new ChatClient(Model, s_key, test.Options(server));

        using (test.Lens.BeginScope(userId: "u-42", route: "POST /chat"))
        {
            await chat.CompleteChatAsync(new UserChatMessage("hi"));
        }

        var e = test.Single();
        Assert.Equal("u-42", e.UserId);
        Assert.Equal("POST /chat", e.Route);
    }

    [Fact]
    public async Task Protocol_method_with_a_stream_body_sends_the_whole_body_and_reads_its_model()
    {
        await using var server = (await FixtureServer.StartAsync()).Serve("openai/chat-completion-basic.json");
        await using var test = OpenAITestLens.Create(server.V1);
        var chat = new ChatClient(Model, s_key, test.Options(server));
        const string Body = """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}""";
        using var body = BinaryContent.Create(new MemoryStream(Encoding.UTF8.GetBytes(Body)));

        ClientResult result = await chat.CompleteChatAsync(body, new RequestOptions());

        Assert.Equal(200, result.GetRawResponse().Status);
        Assert.Equal(Body, server.Requests.Single().Body); // inspecting the body did not consume it
        AssertRecorded(test, Expected.Of("openai/chat-completion-basic.json"), "chat");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Protocol_stream_without_stream_options_gets_usage_only_where_the_endpoint_allows(bool inject)
    {
        const string File = "openai/chat-stream-include-usage.sse";
        await using var server = (await FixtureServer.StartAsync()).Serve(File);
        await using var test = OpenAITestLens.Create(server.V1, o => o.OpenAICompatibleEndpoints[0].InjectStreamUsage = inject);
        var chat = new ChatClient(Model, s_key, test.Options(server));
        const string Body = """{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"hi"}]}""";

        ClientResult result = await chat.CompleteChatAsync(BinaryContent.Create(BinaryData.FromString(Body)), new RequestOptions { BufferResponse = false });
        using (var stream = result.GetRawResponse().ContentStream!)
        {
            Assert.Empty(test.Events); // a stream is never buffered: nothing is recorded before the caller reads it
            var received = new MemoryStream();
            await stream.CopyToAsync(received);
            Assert.Equal(Fixtures.Bytes(File), received.ToArray());
        }

        var sent = server.Requests.Single().Body;
        Assert.Equal(inject, sent.Contains("\"stream_options\":{\"include_usage\":true}", StringComparison.Ordinal));
        AssertRecorded(test, Expected.Of(File), "chat");
    }

    private static UsageEvent AssertRecorded(TestLens test, Expected expected, string operation)
    {
        var e = test.Single();
        Assert.Equal("openai", e.Provider);
        Assert.Equal(operation, e.Operation);
        Assert.Equal(expected.Model, e.Model);
        Assert.Equal(expected.ResponseId, e.RequestId);
        Assert.Equal(expected.Usage, e.Usage);
        Assert.True(e.TokensIn > 0);
        Assert.Equal(expected.Stream, e.Stream);
        Assert.Equal(UsageStatus.Ok, e.Status);
        Assert.Equal(200, e.HttpStatus);
        Assert.Null(e.Metadata);
        Assert.Equal(test.Lens.Catalog.Calculate("openai", expected.Model, expected.Usage), e.CostUsd);
        Assert.Equal(expected.Stream, e.TtftMs is not null);
        return e;
    }
}
