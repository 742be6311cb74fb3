using System.Globalization;
using System.Net.Http.Headers;
using LensAI.Backend.Budgets;
using LensAI.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LensAI.Backend.Benchmarks;

/// <summary>
/// Breach → block under load, on the real clock: the embedded default with its scheduler (budget check every 20 s)
/// takes 1,000-event batches as fast as 4 connections can post them across 20 projects; meanwhile, one after another,
/// a breach project gets a batch that crosses its block budget, and the LensAI SDK in a child process
/// (<see cref="SdkClientProcess"/>, polling the status every <c>poll</c> seconds, 30 by default as shipped) calling
/// for that project is refused. Reports each breach's time from the breaching batch's 200 to the refusal.
/// </summary>
internal static class BreachBenchmark
{
    private const int LoadProjects = 20;

    public static async Task RunAsync(int breaches, int pollSeconds)
    {
        await using var app = await TestBackend.StartAsync(
            b => b.Logging.AddConsole().SetMinimumLevel(LogLevel.Warning),
            new Dictionary<string, string?> { ["LensAI:Backend:RateLimitPerSecond"] = "1000000", ["LensAI:Backend:RateLimitBurst"] = "1000000", ["LensAI:Backend:RunScheduler"] = "true" });
        var budgets = app.Services.GetRequiredService<BudgetStore>();
        var loadKeys = new string[LoadProjects];
        for (var p = 0; p < LoadProjects; p++)
        {
            loadKeys[p] = await app.CreateKeyAsync("load" + p.ToString("D2", CultureInfo.InvariantCulture), "bench");
        }

        using var http = new HttpClient { BaseAddress = app.BaseAddress };
        var load = new LoadGenerator(app.BaseAddress, loadKeys);
        Console.WriteLine($"breach → block: {LoadProjects} projects under load, {breaches} breaches, SDK poll every {pollSeconds} s, budget check every 20 s; {Environment.ProcessorCount} cores");
        var times = new List<double>();
        for (var i = 0; i < breaches; i++)
        {
            var project = "breach" + i.ToString("D2", CultureInfo.InvariantCulture);
            var key = await app.CreateKeyAsync(project, "bench");
            await budgets.SetBudgetsAsync(project, Budget(), "bench", CancellationToken.None);
            await using var client = SdkClientProcess.Start(app.BaseAddress, key, TimeSpan.FromSeconds(pollSeconds));
            await client.Ready.WaitAsync(TimeSpan.FromSeconds(120));

            // $15 of gpt-4o-mini input in one event: over the $10 block budget the moment this batch is durable.
            using var breach = new HttpRequestMessage(HttpMethod.Post, "v1/events") { Content = new ByteArrayContent(Batches.Json([Batches.Event(ts: DateTimeOffset.UtcNow, tokensIn: 100_000_000, tokensOut: 0) with { CostUsd = 15m }])) };
            breach.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            breach.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            using (var response = await http.SendAsync(breach))
            {
                response.EnsureSuccessStatusCode();
            }

            var breachedAt = DateTimeOffset.UtcNow;
            var refusedAt = await client.Refused.WaitAsync(TimeSpan.FromSeconds(300));
            var seconds = (refusedAt - breachedAt).TotalSeconds;
            times.Add(seconds);
            Console.WriteLine($"breach {i + 1}: refused {seconds:0.0} s after the breaching batch was acknowledged (ingest so far {load.EventsPerSecond:N0} events/s)");
        }

        await load.DisposeAsync();
        times.Sort();
        var median = times.Count % 2 == 1 ? times[times.Count / 2] : (times[(times.Count / 2) - 1] + times[times.Count / 2]) / 2;
        Console.WriteLine($"ingest meanwhile: {load.Ingested:N0} events in {load.Elapsed.TotalSeconds:0} s = {load.EventsPerSecond:N0} events/s across {LoadProjects} projects ({load.Failed} failed batches)");
        Console.WriteLine($"breach → refusal over {times.Count} breaches: median {median:0.0} s, min {times[0]:0.0} s, max {times[^1]:0.0} s (promise: 60 s)");
    }

    private static BudgetFile Budget() => new()
    {
        Budgets = [new BudgetDefinition { Id = "cap", Scope = "project", Period = "monthly", AmountUsd = 10m, Action = "block", Forecast = false }],
    };
}
