using System.Text;
using LensAI.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;

namespace LensAI.Tests.Capture;

/// <summary>
/// <c>services.AddHttpClient(…).AddLensAI()</c> beside Microsoft.Extensions.Http.Resilience's
/// <c>AddStandardResilienceHandler()</c>, against a server on loopback that answers 429 (OpenRouter's recorded body)
/// and then 200 (a recorded chat completion): what each order of the two handlers records.
/// </summary>
public sealed class ResilienceOrderTests
{
    private const decimal BasicCost = 0.00000705m; // gpt-4o-mini: 11 in × $0.15 + 9 out × $0.60, per million

    [Fact]
    public async Task LensAI_outside_the_resilience_handler_records_one_event_per_logical_call()
    {
        var (events, attempts) = await CallThroughAsync(lensAIOutside: true);

        Assert.Equal(2, attempts); // the 429 was retried…
        var e = Assert.Single(events); // …and the caller's one call is one event: the answer it got, priced
        Assert.Equal((UsageStatus.Ok, 200, "gpt-4o-mini-2024-07-18"), (e.Status, e.HttpStatus, e.Model));
        Assert.Equal(new TokenUsage(11, 9), e.Usage);
        Assert.Equal(BasicCost, e.CostUsd);
    }

    [Fact]
    public async Task LensAI_inside_the_resilience_handler_records_one_event_per_attempt()
    {
        var (events, attempts) = await CallThroughAsync(lensAIInside: true);

        Assert.Equal(2, attempts);
        Assert.Equal(2, events.Count);
        var limited = events[0];
        Assert.Equal((UsageStatus.RateLimited, 429, "gpt-4o-mini"), (limited.Status, limited.HttpStatus, limited.Model)); // model from the request
        Assert.Equal(default, limited.Usage);
        Assert.Equal(0m, limited.CostUsd); // a refused request bills nothing
        var ok = events[1];
        Assert.Equal((UsageStatus.Ok, 200, "gpt-4o-mini-2024-07-18"), (ok.Status, ok.HttpStatus, ok.Model));
        Assert.Equal(new TokenUsage(11, 9), ok.Usage);
        Assert.Equal(BasicCost, ok.CostUsd);
        Assert.NotEqual(limited.EventId, ok.EventId);
    }

    [Fact]
    public async Task LensAI_on_both_sides_of_the_resilience_handler_still_records_one_event_per_logical_call()
    {
        // The outer handler marks the request while it is in flight, so the inner one passes every attempt through.
        var (events, attempts) = await CallThroughAsync(lensAIOutside: true, lensAIInside: true);

        Assert.Equal(2, attempts);
        var e = Assert.Single(events);
        Assert.Equal((UsageStatus.Ok, 200, BasicCost), (e.Status, e.HttpStatus, e.CostUsd));
    }

    private static async Task<(List<UsageEvent> Events, int Attempts)> CallThroughAsync(bool lensAIOutside = false, bool lensAIInside = false)
    {
        var rateLimited = Fixtures.Bytes("openai/openrouter-chat-error-429-rate-limited.json");
        var completion = Fixtures.Bytes("openai/chat-completion-basic.json");
        var attempts = 0;
        await using var openAI = await LoopbackServer.StartAsync(async context =>
        {
            var first = Interlocked.Increment(ref attempts) == 1;
            context.Response.StatusCode = first ? StatusCodes.Status429TooManyRequests : StatusCodes.Status200OK;
            context.Response.ContentType = "application/json";
            if (first)
            {
                context.Response.Headers.RetryAfter = "0";
            }

            await context.Response.Body.WriteAsync(first ? rateLimited : completion);
        });
        var v1 = new Uri(openAI.BaseAddress, "v1");
        await using var test = new TestClient(o => o.OpenAICompatibleEndpoints.Add(new OpenAICompatibleEndpoint { BaseUrl = v1, Provider = "openai" }));

        var services = new ServiceCollection();
        services.AddSingleton(test.Lens); // what services.AddLensAI() registers
        var http = services.AddHttpClient("openai");
        static void Resilience(HttpStandardResilienceOptions o) => o.Retry.Delay = TimeSpan.Zero; // and Retry-After: 0
        if (lensAIOutside)
        {
            http.AddLensAI();
        }

        http.AddStandardResilienceHandler(Resilience);
        if (lensAIInside)
        {
            http.AddLensAI();
        }

        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("openai");
        using var response = await client.PostAsync(new Uri(v1 + "/chat/completions"),
            new StringContent("""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"));
        Assert.True(response.IsSuccessStatusCode);
        await response.Content.ReadAsByteArrayAsync();
        return ([.. test.Events], attempts);
    }
}
