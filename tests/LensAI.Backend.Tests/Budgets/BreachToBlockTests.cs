using System.Text.Json;
using LensAI.Backend.Benchmarks;
using LensAI.Backend.Budgets;
using LensAI.Budgets;
using LensAI.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace LensAI.Backend.Tests.Budgets;

/// <summary>
/// The smoke version of the <c>breach</c> benchmark, on the real clock: while another project ingests, one project
/// crosses its block budget and the LensAI SDK in another process (its status poller every second) refuses its next
/// call. The budget check runs as the scheduler would, back to back; everything waits on events, with a deadline.
/// </summary>
public sealed class BreachToBlockTests
{
    [Fact(Timeout = 180_000)]
    public async Task A_breach_under_load_is_refused_by_the_sdk_in_another_process()
    {
        await using var backend = await TestBackend.StartAsync(settings: new() { ["LensAI:Backend:RateLimitPerSecond"] = "100000", ["LensAI:Backend:RateLimitBurst"] = "100000" });
        var budgets = backend.Services.GetRequiredService<BudgetStore>();
        var cap = new BudgetFile { Budgets = [new BudgetDefinition { Id = "cap", Scope = BudgetScopeNames.Project, Period = "monthly", AmountUsd = 10m, Action = "block", Forecast = false }] };
        var hotKey = await backend.CreateKeyAsync("hot");
        var busyKey = await backend.CreateKeyAsync("busy");
        await budgets.SetBudgetsAsync("hot", cap, "test", CancellationToken.None);
        await budgets.SetBudgetsAsync("busy", cap, "test", CancellationToken.None);

        using var stop = new CancellationTokenSource();
        var load = Task.Run(async () =>
        {
            using var busy = backend.Client(busyKey);
            while (!stop.IsCancellationRequested)
            {
                var batch = Enumerable.Range(0, 100).Select(_ => Batches.Event(ts: DateTimeOffset.UtcNow, tokensIn: 10) with { CostUsd = 0.000001m });
                Assert.Equal(200, (await Batches.PostAsync(busy, Batches.Content(Batches.Json(batch)))).Status);
            }
        });

        await using var client = SdkClientProcess.Start(backend.BaseAddress, hotKey, TimeSpan.FromSeconds(1));
        await client.Ready.WaitAsync(TimeSpan.FromSeconds(90));
        using (var hot = backend.Client(hotKey))
        {
            // 100M input tokens of gpt-4o-mini (half of them cached): $11.25 as the backend prices it, over the $10 cap.
            var breach = Batches.Event(ts: DateTimeOffset.UtcNow, tokensIn: 100_000_000, tokensOut: 0);
            Assert.Equal(200, (await Batches.PostAsync(hot, Batches.Content(Batches.Json([breach])))).Status);
        }

        var check = backend.Services.GetRequiredService<BudgetCheckJob>();
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (!client.Refused.IsCompleted)
        {
            Assert.True(DateTime.UtcNow < deadline, "the SDK in the other process was never refused: " + client.Output);
            await check.RunAsync(CancellationToken.None);
            await Task.WhenAny(client.Refused, Task.Delay(TimeSpan.FromSeconds(1))); // the next check, once the child had a poll's time
        }

        await client.Refused; // a refusal, not a crash of the child
        await stop.CancelAsync();
        await load;
        Assert.True(await BlockedAsync(budgets, "hot"));
        Assert.False(await BlockedAsync(budgets, "busy"));
    }

    private static async Task<bool> BlockedAsync(BudgetStore budgets, string project)
    {
        var stored = await budgets.GetStatusAsync(project, CancellationToken.None);
        return stored is not null && JsonSerializer.Deserialize(stored.Content, BudgetStatusJsonContext.Default.BudgetStatusDocument)!.Budgets.Any(b => b.Blocked);
    }
}
