using System.Net;
using LensAI.Testing;
using Microsoft.Extensions.AI;

namespace LensAI.Extensions.AI.Tests;

/// <summary>The middleware over a hand-written chat client: usage, streaming, failures, cancellation, abandonment.</summary>
public sealed class LensAIChatClientTests
{
    private static readonly ChatMessage[] s_prompt = [new(ChatRole.User, "hi")];

    private static TestChatClient Inner(ChatResponse response, Action? during = null) => new()
    {
        Metadata = new ChatClientMetadata("openai", new Uri("https://api.openai.com/v1"), "gpt-4o-mini"),
        GetResponseAsyncCallback = (_, _, _) =>
        {
            during?.Invoke();
            return Task.FromResult(response);
        },
    };

    [Fact]
    public async Task Response_usage_is_one_event_and_the_response_passes_through()
    {
        await using var test = new TestLens();
        var response = new ChatResponse(new ChatMessage(ChatRole.Assistant, "hello"))
        {
            ModelId = "gpt-4o-mini-2024-07-18",
            ResponseId = "chatcmpl-1",
            Usage = new UsageDetails { InputTokenCount = 1200, OutputTokenCount = 300, CachedInputTokenCount = 1000, ReasoningTokenCount = 120 },
        };
        using var client = Inner(response, () => test.Time.Advance(TimeSpan.FromMilliseconds(250))).UseLensAI(test.Lens);

        var result = await client.GetResponseAsync(s_prompt);

        Assert.Same(response, result);
        var e = test.Single();
        Assert.Equal("openai", e.Provider);
        Assert.Equal("gpt-4o-mini-2024-07-18", e.Model);
        Assert.Equal("chat", e.Operation);
        Assert.False(e.Stream);
        Assert.Equal(new TokenUsage(1200, 300, CachedInputTokens: 1000, ReasoningTokens: 120), e.Usage);
        Assert.Equal(UsageStatus.Ok, e.Status);
        Assert.Null(e.HttpStatus);
        Assert.Equal(250, e.LatencyMs);
        Assert.Null(e.TtftMs);
        Assert.Equal("chatcmpl-1", e.RequestId);
        Assert.Null(e.Metadata);
        Assert.NotNull(e.CostUsd);
        Assert.Equal(test.Lens.Catalog.Calculate("openai", "gpt-4o-mini-2024-07-18", e.Usage), e.CostUsd);
    }

    [Fact]
    public async Task Unknown_counts_are_zero_and_parts_are_clamped_to_their_wholes()
    {
        await using var test = new TestLens();
        using var client = Inner(new ChatResponse
        {
            ModelId = "gpt-4o-mini",
            Usage = new UsageDetails { InputTokenCount = 10, CachedInputTokenCount = 25, ReasoningTokenCount = 3 },
        }).UseLensAI(test.Lens);

        await client.GetResponseAsync(s_prompt);

        Assert.Equal(new TokenUsage(10, 0, CachedInputTokens: 10), test.Single().Usage);
    }

    [Fact]
    public async Task Response_without_usage_is_still_one_event()
    {
        await using var test = new TestLens();
        using var client = Inner(new ChatResponse { ModelId = "gpt-4o-mini" }).UseLensAI(test.Lens);

        await client.GetResponseAsync(s_prompt);

        // Billed all the same: the prompt "hi" is estimated (3 UTF-8 bytes with its separator → 1 token, plus 3 for the
        // message and 3 for the reply), the empty answer is 0.
        var e = test.Single();
        Assert.Equal(new TokenUsage(7, 0), e.Usage);
        Assert.True(e.UsageEstimated);
        Assert.Equal("utf8-bytes/4", e.Metadata![UsageEvent.EstimatorMetadataKey]);
        Assert.Equal(UsageStatus.Ok, e.Status);
    }

    [Theory]
    [InlineData("from-response", "from-options", "from-metadata", "from-response")]
    [InlineData(null, "from-options", "from-metadata", "from-options")]
    [InlineData(null, null, "from-metadata", "from-metadata")]
    [InlineData(null, null, null, "unknown")]
    public async Task Model_is_the_responses_then_the_options_then_the_clients_default(string? response, string? options, string? metadata, string expected)
    {
        await using var test = new TestLens();
        var inner = Inner(new ChatResponse { ModelId = response });
        inner.Metadata = new ChatClientMetadata("openai", defaultModelId: metadata);
        using var client = inner.UseLensAI(test.Lens);

        await client.GetResponseAsync(s_prompt, new ChatOptions { ModelId = options });

        Assert.Equal(expected, test.Single().Model);
    }

    [Theory]
    [InlineData("anthropic", null, "anthropic")]
    [InlineData("azure.ai.openai", null, "azure_openai")]
    [InlineData("gcp.gemini", null, "gemini")]
    [InlineData(null, null, "unknown")]
    [InlineData("openai", "my-gateway", "my-gateway")]
    public async Task Provider_is_the_option_then_the_clients_metadata(string? metadata, string? option, string expected)
    {
        await using var test = new TestLens();
        var inner = Inner(new ChatResponse { ModelId = "m" });
        inner.Metadata = metadata is null ? null : new ChatClientMetadata(metadata);
        using var client = inner.UseLensAI(test.Lens, o => o.ProviderName = option);

        await client.GetResponseAsync(s_prompt);

        Assert.Equal(expected, test.Single().Provider);
    }

    public static TheoryData<Exception, UsageStatus, int?> Failures() => new()
    {
        { new InvalidOperationException("boom"), UsageStatus.Error, null },
        { new HttpRequestException("rate limited", null, HttpStatusCode.TooManyRequests), UsageStatus.RateLimited, 429 },
        { new HttpRequestException("server error", null, HttpStatusCode.InternalServerError), UsageStatus.Error, 500 },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task Failed_call_rethrows_the_same_exception_and_is_one_event(Exception failure, UsageStatus status, int? httpStatus)
    {
        await using var test = new TestLens();
        using var client = new TestChatClient { GetResponseAsyncCallback = (_, _, _) => Task.FromException<ChatResponse>(failure) }.UseLensAI(test.Lens);

        var thrown = await Assert.ThrowsAnyAsync<Exception>(() => client.GetResponseAsync(s_prompt, new ChatOptions { ModelId = "gpt-4o-mini" }));

        Assert.Same(failure, thrown);
        var e = test.Single();
        Assert.Equal(status, e.Status);
        Assert.Equal(httpStatus, e.HttpStatus);
        Assert.Equal("gpt-4o-mini", e.Model);
        Assert.Equal(default, e.Usage);
    }

    [Fact]
    public async Task Cancelled_call_is_one_error_event_marked_cancelled()
    {
        await using var test = new TestLens();
        var started = new TaskCompletionSource();
        using var client = new TestChatClient
        {
            GetResponseAsyncCallback = async (_, _, ct) =>
            {
                started.SetResult();
                await Task.Delay(Timeout.Infinite, ct);
                return new ChatResponse();
            },
        }.UseLensAI(test.Lens);
        using var cts = new CancellationTokenSource();

        var call = client.GetResponseAsync(s_prompt, cancellationToken: cts.Token);
        await started.Task;
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        var e = test.Single();
        Assert.Equal(UsageStatus.Error, e.Status);
        Assert.Equal("cancelled", e.Metadata!["lensai.exception"]);
    }

    private static List<ChatResponseUpdate> Updates() =>
    [
        new(ChatRole.Assistant, "Hel") { ModelId = "gpt-4o-mini-2024-07-18", ResponseId = "chatcmpl-9" },
        new(null, "lo") { ModelId = "gpt-4o-mini-2024-07-18", ResponseId = "chatcmpl-9" },
        new(null, [new UsageContent(new UsageDetails { InputTokenCount = 50, OutputTokenCount = 20, CachedInputTokenCount = 32 })]) { ResponseId = "chatcmpl-9" },
    ];

    [Fact]
    public async Task Stream_passes_every_update_through_in_order_and_is_one_event_at_its_end()
    {
        await using var test = new TestLens();
        var updates = Updates();
        var stream = new TestStream(updates, i => test.Time.Advance(TimeSpan.FromMilliseconds(i == 0 ? 40 : 10)));
        using var client = new TestChatClient
        {
            Metadata = new ChatClientMetadata("openai"),
            GetStreamingResponseAsyncCallback = (_, _, ct) => stream.ReadAsync(ct),
        }.UseLensAI(test.Lens);

        var received = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync(s_prompt))
        {
            Assert.Empty(test.Events); // recorded when the stream ends, not before
            received.Add(update);
        }

        Assert.Equal(updates.Count, received.Count);
        for (var i = 0; i < updates.Count; i++)
        {
            Assert.Same(updates[i], received[i]);
        }

        Assert.True(stream.Disposed);
        var e = test.Single();
        Assert.True(e.Stream);
        Assert.Equal("openai", e.Provider);
        Assert.Equal("gpt-4o-mini-2024-07-18", e.Model);
        Assert.Equal("chatcmpl-9", e.RequestId);
        Assert.Equal(new TokenUsage(50, 20, CachedInputTokens: 32), e.Usage);
        Assert.Equal(40, e.TtftMs);
        Assert.Equal(60, e.LatencyMs);
        Assert.Equal(UsageStatus.Ok, e.Status);
        Assert.Null(e.Metadata);
    }

    [Fact]
    public async Task Stream_abandoned_by_the_caller_is_one_event_marked_abandoned()
    {
        await using var test = new TestLens();
        var stream = new TestStream(Updates());
        using var client = new TestChatClient { GetStreamingResponseAsyncCallback = (_, _, ct) => stream.ReadAsync(ct) }.UseLensAI(test.Lens);

        await foreach (var update in client.GetStreamingResponseAsync(s_prompt))
        {
            break;
        }

        Assert.True(stream.Disposed); // the inner stream is released at once
        var e = test.Single();
        Assert.Equal("abandoned", e.Metadata![UsageEvent.IncompleteMetadataKey]);
        Assert.Equal(UsageStatus.Ok, e.Status);
        Assert.Equal("gpt-4o-mini-2024-07-18", e.Model);

        // The usage update never came: the prompt "hi" is 7 tokens (1 of text, 3 for the message, 3 for the reply) and
        // the "Hel" read is ⌈3/4⌉ = 1.
        Assert.Equal(new TokenUsage(7, 1), e.Usage);
        Assert.True(e.UsageEstimated);
    }

    [Fact]
    public async Task Stream_that_breaks_rethrows_and_is_one_error_event_marked_broken()
    {
        await using var test = new TestLens();
        var failure = new IOException("reset");
        var stream = new TestStream(Updates(), failAt: 2, failure: failure);
        using var client = new TestChatClient { GetStreamingResponseAsyncCallback = (_, _, ct) => stream.ReadAsync(ct) }.UseLensAI(test.Lens);

        var received = 0;
        var thrown = await Assert.ThrowsAsync<IOException>(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync(s_prompt))
            {
                received++;
            }
        });

        Assert.Same(failure, thrown);
        Assert.Equal(2, received);
        var e = test.Single();
        Assert.Equal(UsageStatus.Error, e.Status);
        Assert.Equal("broken", e.Metadata![UsageEvent.IncompleteMetadataKey]);
        Assert.True(e.Stream);
    }

    [Fact]
    public async Task Stream_cancelled_by_the_caller_is_one_event()
    {
        await using var test = new TestLens();
        var stream = new TestStream(Updates());
        using var client = new TestChatClient { GetStreamingResponseAsyncCallback = (_, _, ct) => stream.ReadAsync(ct) }.UseLensAI(test.Lens);
        using var cts = new CancellationTokenSource();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync(s_prompt).WithCancellation(cts.Token))
            {
                await cts.CancelAsync();
            }
        });

        var e = test.Single();
        Assert.Equal(UsageStatus.Error, e.Status);
        Assert.Equal("broken", e.Metadata![UsageEvent.IncompleteMetadataKey]);
        Assert.Equal("cancelled", e.Metadata!["lensai.exception"]);
    }

    [Fact]
    public async Task Stream_never_enumerated_records_nothing()
    {
        await using var test = new TestLens();
        var stream = new TestStream(Updates());
        using var client = new TestChatClient { GetStreamingResponseAsyncCallback = (_, _, ct) => stream.ReadAsync(ct) }.UseLensAI(test.Lens);

        _ = client.GetStreamingResponseAsync(s_prompt);

        Assert.Empty(test.Events);
    }

    [Fact]
    public async Task Wrapping_twice_still_gives_one_event_per_call()
    {
        await using var test = new TestLens();
        using var client = Inner(new ChatResponse { ModelId = "gpt-4o-mini", Usage = new UsageDetails { InputTokenCount = 5, OutputTokenCount = 1 } })
            .UseLensAI(test.Lens)
            .UseLensAI(test.Lens);

        await client.GetResponseAsync(s_prompt);

        Assert.Equal(new TokenUsage(5, 1), test.Single().Usage);
    }

    [Fact]
    public async Task Attribution_scope_applies_to_the_event()
    {
        await using var test = new TestLens();
        using var client = Inner(new ChatResponse { ModelId = "gpt-4o-mini" }).UseLensAI(test.Lens);

        using (test.Lens.BeginScope(userId: "u-42", route: "POST /chat", metadata: new Dictionary<string, string> { ["tenant"] = "acme" }))
        {
            await client.GetResponseAsync(s_prompt);
        }

        var e = test.Single();
        Assert.Equal("u-42", e.UserId);
        Assert.Equal("POST /chat", e.Route);
        Assert.Equal("acme", e.Metadata!["tenant"]);
    }

    [Fact]
    public async Task Disabled_LensAI_records_nothing_and_hands_back_the_inner_stream()
    {
        await using var test = new TestLens(o => o.Enabled = false);
        var stream = new TestStream(Updates()).ReadAsync();
        var inner = Inner(new ChatResponse { ModelId = "gpt-4o-mini" });
        inner.GetStreamingResponseAsyncCallback = (_, _, _) => stream;
        using var client = inner.UseLensAI(test.Lens);

        await client.GetResponseAsync(s_prompt);

        Assert.Same(stream, client.GetStreamingResponseAsync(s_prompt));
        Assert.Empty(test.Events);
    }

    [Fact]
    public async Task Metadata_of_the_inner_client_is_visible_through_the_middleware()
    {
        using var inner = Inner(new ChatResponse());
        await using var lens = new TestLens();
        using var client = inner.UseLensAI(lens.Lens);

        Assert.Same(inner.Metadata, client.GetService<ChatClientMetadata>());
    }
}
