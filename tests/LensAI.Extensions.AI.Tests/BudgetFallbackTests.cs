using System.Runtime.CompilerServices;
using LensAI.Testing;
using LensAI.Tests.Budgets;
using Microsoft.Extensions.AI;
using static LensAI.Tests.Budgets.StatusDocs;

namespace LensAI.Extensions.AI.Tests;

/// <summary>The budget kill-switch in the IChatClient middleware: blocking before the inner client, and the fallback model.</summary>
public sealed class BudgetFallbackTests
{
    private static readonly ChatMessage[] s_prompt = [new(ChatRole.User, "Summarize the quarterly report in three bullet points.")];

    /// <summary>A chat client that answers with the model it was asked for, noting every model it was asked for.</summary>
    private static TestChatClient Inner(List<string?> asked) => new()
    {
        Metadata = new ChatClientMetadata("openai", new Uri("https://api.openai.com/v1"), "gpt-4o"),
        GetResponseAsyncCallback = (_, options, _) =>
        {
            asked.Add(options?.ModelId);
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok"))
            {
                ModelId = options?.ModelId,
                Usage = new UsageDetails { InputTokenCount = 20, OutputTokenCount = 10 },
            });
        },
        GetStreamingResponseAsyncCallback = (_, options, cancellationToken) =>
        {
            asked.Add(options?.ModelId);
            return Updates(cancellationToken);
        },
    };

    private static async IAsyncEnumerable<ChatResponseUpdate> Updates([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        yield return new ChatResponseUpdate(ChatRole.Assistant, "ok");
    }

    /// <summary>$0.05 left of $1; 10,000 output tokens of gpt-4o could cost $0.10, of gpt-4o-mini $0.006.</summary>
    private static ChatOptions Expensive() => new() { ModelId = "gpt-4o", MaxOutputTokens = 10_000 };

    [Fact]
    public async Task A_call_the_budget_would_block_goes_to_the_cheaper_fallback_model()
    {
        await using var test = await BudgetLens.StartAsync(Doc(Budget(limit: 1m, spent: 0.95m)));
        var metrics = new MetricCollector(test.Lens.Metrics.Meter);
        var asked = new List<string?>();
        using var chat = Inner(asked).UseLensAI(test.Lens, o => o.FallbackModel = "gpt-4o-mini");
        var options = Expensive();

        var response = await chat.GetResponseAsync(s_prompt, options);

        Assert.Equal(["gpt-4o-mini"], asked); // the inner client saw the fallback model
        Assert.Equal("gpt-4o", options.ModelId); // the caller's options are not changed
        Assert.Equal("gpt-4o-mini", response.ModelId);
        var e = Assert.Single(test.Events);
        Assert.Equal(UsageStatus.Ok, e.Status);
        Assert.Equal("gpt-4o-mini", e.Model);
        Assert.Equal(1, metrics.Sum("lensai.budget.fallbacks"));
        Assert.Equal(0, test.Guard.Reservations);
    }

    [Fact]
    public async Task A_model_budget_the_backend_blocked_falls_back_to_another_model()
    {
        await using var test = await BudgetLens.StartAsync(Doc(Budget(id: "gpt4o-cap", scope: "model", value: "gpt-4o", blocked: true)));
        var asked = new List<string?>();
        using var chat = Inner(asked).UseLensAI(test.Lens, o => o.FallbackModel = "gpt-4o-mini");

        await chat.GetResponseAsync(s_prompt, new ChatOptions { ModelId = "gpt-4o-2024-08-06" });
        await chat.GetResponseAsync(s_prompt); // the client's default model, gpt-4o

        Assert.Equal(["gpt-4o-mini", "gpt-4o-mini"], asked);
    }

    [Fact]
    public async Task Without_a_fallback_the_call_throws_before_the_inner_client_and_is_recorded_as_blocked()
    {
        await using var test = await BudgetLens.StartAsync(Doc(Budget(id: "daily", limit: 1m, spent: 0.95m)));
        var asked = new List<string?>();
        using var chat = Inner(asked).UseLensAI(test.Lens);
        using var scope = test.Lens.BeginScope(userId: "u-9", route: "POST /summarize");

        var ex = await Assert.ThrowsAsync<LensAIBudgetExceededException>(() => chat.GetResponseAsync(s_prompt, Expensive()));

        Assert.Empty(asked);
        Assert.Equal("daily", ex.BudgetId);
        Assert.DoesNotContain("$", ex.UserMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("0.95", ex.UserMessage, StringComparison.Ordinal);
        var e = Assert.Single(test.Events);
        Assert.Equal(UsageStatus.Blocked, e.Status);
        Assert.Equal("openai", e.Provider);
        Assert.Equal("gpt-4o", e.Model);
        Assert.Equal("u-9", e.UserId);
        Assert.Equal("POST /summarize", e.Route);
        Assert.Equal(0m, e.CostUsd);
        Assert.Equal(0, test.Guard.Reservations);
    }

    [Fact]
    public async Task A_scope_the_backend_blocked_outright_blocks_the_fallback_too()
    {
        await using var test = await BudgetLens.StartAsync(Doc(Budget(scope: "user", value: "u-9", blocked: true)));
        var asked = new List<string?>();
        using var chat = Inner(asked).UseLensAI(test.Lens, o => o.FallbackModel = "gpt-4o-mini");
        using var scope = test.Lens.BeginScope(userId: "u-9");

        await Assert.ThrowsAsync<LensAIBudgetExceededException>(() => chat.GetResponseAsync(s_prompt, Expensive()));

        Assert.Empty(asked);
        Assert.Equal(UsageStatus.Blocked, Assert.Single(test.Events).Status);
    }

    [Fact]
    public async Task A_fallback_that_is_over_the_budget_as_well_throws()
    {
        await using var test = await BudgetLens.StartAsync(Doc(Budget(limit: 1m, spent: 0.999m)));
        var asked = new List<string?>();
        using var chat = Inner(asked).UseLensAI(test.Lens, o => o.FallbackModel = "gpt-4o-mini");

        await Assert.ThrowsAsync<LensAIBudgetExceededException>(() => chat.GetResponseAsync(s_prompt, Expensive()));
        Assert.Empty(asked);
    }

    [Fact]
    public async Task A_blocked_stream_throws_on_its_first_step_and_a_fallback_stream_uses_the_fallback_model()
    {
        await using var test = await BudgetLens.StartAsync(Doc(Budget(limit: 1m, spent: 0.95m)));
        var asked = new List<string?>();
        using var blocked = Inner(asked).UseLensAI(test.Lens);
        await using (var updates = blocked.GetStreamingResponseAsync(s_prompt, Expensive()).GetAsyncEnumerator())
        {
            await Assert.ThrowsAsync<LensAIBudgetExceededException>(async () => await updates.MoveNextAsync());
        }

        Assert.Empty(asked);
        using var fallback = Inner(asked).UseLensAI(test.Lens, o => o.FallbackModel = "gpt-4o-mini");
        await foreach (var _ in fallback.GetStreamingResponseAsync(s_prompt, Expensive()))
        {
        }

        Assert.Equal(["gpt-4o-mini"], asked);
        Assert.Equal(new[] { UsageStatus.Blocked, UsageStatus.Ok }, test.Events.Select(e => e.Status));
        Assert.Equal(0, test.Guard.Reservations);
    }

    [Fact]
    public async Task Over_a_LensAI_HttpClient_the_call_is_checked_and_reserved_once()
    {
        var reservationsDuringCall = -1;
        BudgetLens? test = null;
        await using var provider = await LoopbackServer.StartAsync(async ctx =>
        {
            reservationsDuringCall = test!.Guard.Reservations;
            ctx.Response.ContentType = "application/json";
            await ctx.Response.Body.WriteAsync(Fixtures.Bytes("openai/chat-completion-basic.json"));
        });
        var v1 = new Uri(provider.BaseAddress, "v1");
        test = await BudgetLens.StartAsync(Doc(Budget(limit: 10m)), o => o.OpenAICompatibleEndpoints.Add(new OpenAICompatibleEndpoint { BaseUrl = v1, Provider = "openai" }));
        await using var _ = test;
        using var http = new HttpClient(test.Lens.CreateHandler(new SocketsHttpHandler()));
        using var chat = new OpenAIHttpChatClient(http, v1, "gpt-4o-mini").UseLensAI(test.Lens);

        await chat.GetResponseAsync(s_prompt);

        Assert.Equal(1, reservationsDuringCall);
        Assert.Equal(0, test.Guard.Reservations);
        Assert.Equal(UsageStatus.Ok, Assert.Single(test.Events).Status);
    }
}
