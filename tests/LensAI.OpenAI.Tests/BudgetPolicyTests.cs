using System.ClientModel;
using System.ClientModel.Primitives;
using LensAI.Budgets;
using LensAI.Tests.Budgets;
using OpenAI;
using OpenAI.Chat;
using static LensAI.Tests.Budgets.StatusDocs;

namespace LensAI.OpenAI.Tests;

/// <summary>
/// The budget kill-switch in the OpenAI SDK's pipeline: the real OpenAI .NET SDK against a loopback fixture server,
/// with budget status served by a loopback LensAI backend.
/// </summary>
public sealed class BudgetPolicyTests
{
    private static readonly ApiKeyCredential s_key = new("sk-test");

    private static async Task<BudgetLens> LensAsync(FixtureServer server, BudgetStatusDocument document)
        => await BudgetLens.StartAsync(document, o => o.OpenAICompatibleEndpoints.Add(new OpenAICompatibleEndpoint { BaseUrl = server.V1, Provider = "openai" }));

    private static ChatClient Chat(FixtureServer server, BudgetLens test, string model = "gpt-4o-mini")
        => new(model, s_key, new OpenAIClientOptions { Endpoint = server.V1, RetryPolicy = new ClientRetryPolicy(maxRetries: 0) }.UseLensAI(test.Lens));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_blocked_budget_throws_before_the_request_reaches_the_server(bool sync)
    {
        await using var server = (await FixtureServer.StartAsync()).Serve("openai/chat-completion-basic.json");
        await using var test = await LensAsync(server, Doc(Budget(id: "project-monthly", limit: 3.21m, spent: 4.56m, blocked: true, reason: "over $3.21")));
        var chat = Chat(server, test);

        var ex = sync
            ? Assert.Throws<LensAIBudgetExceededException>(() => chat.CompleteChat(new UserChatMessage("hi")))
            : await Assert.ThrowsAsync<LensAIBudgetExceededException>(() => chat.CompleteChatAsync(new UserChatMessage("hi")));

        Assert.Empty(server.Requests);
        Assert.Equal("project-monthly", ex.BudgetId);
        Assert.Equal("project", ex.Scope);
        Assert.DoesNotContain("3.21", ex.UserMessage, StringComparison.Ordinal);
        var e = Assert.Single(test.Events);
        Assert.Equal(UsageStatus.Blocked, e.Status);
        Assert.Equal("gpt-4o-mini", e.Model);
        Assert.Equal("openai", e.Provider);
        Assert.Null(e.HttpStatus);
        Assert.Equal(0m, e.CostUsd);
    }

    [Fact]
    public async Task The_estimate_uses_the_requests_output_cap()
    {
        await using var server = (await FixtureServer.StartAsync()).Serve("openai/chat-completion-basic.json");
        await using var test = await LensAsync(server, Doc(Budget(limit: 1m, spent: 0.5m)));
        var chat = Chat(server, test, "gpt-4o");

        // 100,000 gpt-4o output tokens could cost $1: more than the $0.50 left.
        await Assert.ThrowsAsync<LensAIBudgetExceededException>(
            () => chat.CompleteChatAsync([new UserChatMessage("hi")], new ChatCompletionOptions { MaxOutputTokenCount = 100_000 }));
        Assert.Empty(server.Requests);

        // Without a cap the estimate is the default 4,096 tokens (~$0.04): allowed, and released when it completes.
        ChatCompletion completion = await chat.CompleteChatAsync(new UserChatMessage("hi"));
        Assert.Equal("chatcmpl-D8dUjRkJNE7oAraZr6I7Jy8l3f2eU", completion.Id);
        Assert.Single(server.Requests);
        Assert.Equal(0, test.Guard.Reservations);
        Assert.Equal(new[] { UsageStatus.Blocked, UsageStatus.Ok }, test.Events.Select(e => e.Status));
    }
}
