using LensAI.Backend.Budgets;
using LensAI.Backend.Jobs;
using LensAI.Backend.Rollups;
using LensAI.Budgets;
using LensAI.Testing;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;

namespace LensAI.Functions.Tests;

/// <summary>The worker's timer functions, invoked with a <see cref="TimerInfo"/> as the Functions host would: each job really runs.</summary>
public sealed class WorkerTimerFunctionTests
{
    private static readonly TimerInfo s_onTime = new() { IsPastDue = false, ScheduleStatus = new ScheduleStatus { Last = DateTime.UtcNow.AddHours(-1), Next = DateTime.UtcNow.AddHours(1) } };

    private static async Task IngestAsync(WorkerHost worker, string key, params UsageEvent[] events)
    {
        var http = worker.Request("POST", "/v1/events", key, Batches.Json(events));
        var response = await WorkerHost.ExecuteAsync(http, worker.Function<EventsFunction>().RunAsync(http.Request));
        Assert.True(response.Status == 200, response.Text);
    }

    [Fact]
    public async Task Compaction_and_rollups_timers_merge_the_parts_and_write_the_rollup()
    {
        await using var worker = WorkerHost.Create();
        var key = await worker.CreateKeyAsync("acme");
        var now = DateTimeOffset.UtcNow;
        var events = Enumerable.Range(0, 4).Select(i => Batches.Event(ts: now.AddMinutes(-5 - i))).ToArray();
        await IngestAsync(worker, key, events[..2]);
        await IngestAsync(worker, key, events[2..]);
        await IngestAsync(worker, key, events[..2]); // a re-send
        Assert.Equal(3, (await worker.KeysAsync("events/project=acme/")).Count);

        var timers = worker.Function<TimerFunctions>();
        await timers.CompactionAsync(s_onTime, CancellationToken.None);
        Assert.Single(await worker.KeysAsync("events/project=acme/"));

        await timers.RollupsAsync(new TimerInfo { IsPastDue = true }, CancellationToken.None); // past due: runs all the same
        var rollups = await worker.KeysAsync("rollups/project=acme/");
        Assert.Contains(RollupSchema.Key("acme", events[0].Timestamp.UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)), rollups);
    }

    [Fact]
    public async Task Budget_check_timer_flips_the_kill_switch_once_the_budget_is_spent()
    {
        await using var worker = WorkerHost.Create();
        var key = await worker.CreateKeyAsync("acme");
        var put = worker.Request("PUT", "/v1/budgets", key, """{"time_zone":"UTC","budgets":[{"id":"tiny","scope":"project","period":"monthly","amount_usd":0.01,"action":"block","forecast":false}]}"""u8.ToArray());
        Assert.Equal(200, (await WorkerHost.ExecuteAsync(put, worker.Function<BudgetFunctions>().PutBudgetsAsync(put.Request))).Status);
        var budgets = worker.Services.GetRequiredService<BudgetStore>();
        Assert.False(Status(await budgets.GetStatusAsync("acme", CancellationToken.None)).Blocked);

        await IngestAsync(worker, key, Batches.Event(model: "gpt-4o-2024-08-06", tokensIn: 200_000, tokensOut: 50_000));
        await worker.Function<TimerFunctions>().BudgetCheckAsync(s_onTime, CancellationToken.None);

        var status = Status(await budgets.GetStatusAsync("acme", CancellationToken.None));
        Assert.True(status.Blocked, $"spent {status.SpentUsd} of {status.LimitUsd}");
        Assert.True(status.SpentUsd > 0.01m);
    }

    private static BudgetScopeStatus Status(LensAI.Backend.Storage.StoredObject? stored)
        => Assert.Single(System.Text.Json.JsonSerializer.Deserialize(stored!.Content, BudgetStatusJsonContext.Default.BudgetStatusDocument)!.Budgets);

    [Fact]
    public async Task Retention_timer_deletes_partitions_past_the_retention()
    {
        await using var worker = WorkerHost.Create(new() { ["LensAI:Backend:Projects:acme:RetentionDays"] = "30" });
        var old = "events/project=acme/dt=2001-01-01/part-old.parquet";
        var recent = $"events/project=acme/dt={DateTime.UtcNow:yyyy-MM-dd}/part-new.parquet";
        await worker.Store.PutAsync(old, "x"u8.ToArray(), CancellationToken.None);
        await worker.Store.PutAsync(recent, "x"u8.ToArray(), CancellationToken.None);

        await worker.Function<TimerFunctions>().RetentionAsync(s_onTime, CancellationToken.None);
        Assert.Equal([recent], await worker.KeysAsync("events/"));
    }

    [Fact]
    public async Task Stripe_sync_timer_pushes_usage_when_stripe_is_configured_and_does_nothing_when_it_is_not()
    {
        await using (var unconfigured = WorkerHost.Create())
        {
            Assert.False(unconfigured.Services.GetRequiredService<JobRunner>().TryGet(JobRegistry.StripeSyncName, out _));
            await unconfigured.Function<TimerFunctions>().StripeSyncAsync(s_onTime, CancellationToken.None); // logged and skipped, not an error
        }

        await using var stripe = await StripeSyncTests.StripeStub.StartAsync();
        await using var worker = WorkerHost.Create(new()
        {
            ["LensAI:Backend:Stripe:ApiKey"] = "sk_test_lensai",
            ["LensAI:Backend:Stripe:MeterEventName"] = "lensai_cost",
            ["LensAI:Backend:Stripe:BaseUrl"] = stripe.BaseAddress.AbsoluteUri,
        });
        var key = await worker.CreateKeyAsync("acme");
        await worker.Store.PutAsync("_system/stripe/acme.json", """{"users":{"u1":"cus_A"}}"""u8.ToArray(), CancellationToken.None);
        var hour = new DateTimeOffset(DateTime.UtcNow.Year, DateTime.UtcNow.Month, DateTime.UtcNow.Day, DateTime.UtcNow.Hour, 0, 0, TimeSpan.Zero);
        await IngestAsync(worker, key, Batches.Event(ts: hour.AddHours(-2).AddMinutes(10), userId: "u1"));

        await worker.Function<TimerFunctions>().StripeSyncAsync(s_onTime, CancellationToken.None);
        Assert.Empty(stripe.Problems);
        Assert.Equal($"acme:cus_A:{hour.AddHours(-2):yyyyMMddHH}", Assert.Single(stripe.Events).Key);
    }
}
