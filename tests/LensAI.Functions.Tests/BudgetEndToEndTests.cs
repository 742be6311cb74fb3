using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using LensAI.Backend.Alerts;
using LensAI.Backend.Budgets;
using LensAI.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace LensAI.Functions.Tests;

/// <summary>
/// Budgets end to end on loopback and a fake clock: SDK → ingest → budget check (two instances racing) → a local
/// Slack server gets the 50/75/90/100 % alerts exactly once each → the kill-switch flips → the SDK blocks the next call
/// without sending it → a correctly signed "Override 1 h" unblocks it (a badly signed or replayed one is refused) →
/// after the override window it blocks again.
/// </summary>
public sealed class BudgetEndToEndTests
{
    private const string SigningSecret = "slack-signing-secret-for-tests-0123";

    /// <summary>A stand-in for Slack: records incoming-webhook posts and response_url updates.</summary>
    private sealed class SlackStub : IAsyncDisposable
    {
        private readonly LoopbackServer _server;

        private SlackStub(LoopbackServer server) => _server = server;

        public ConcurrentQueue<JsonDocument> Messages { get; } = new();

        public ConcurrentQueue<JsonDocument> Responses { get; } = new();

        public Uri BaseAddress => _server.BaseAddress;

        public static async Task<SlackStub> StartAsync()
        {
            SlackStub? stub = null;
            var server = await LoopbackServer.StartAsync(async ctx =>
            {
                using var reader = new StreamReader(ctx.Request.Body, Encoding.UTF8);
                var doc = JsonDocument.Parse(await reader.ReadToEndAsync());
                (ctx.Request.Path.StartsWithSegments("/actions") ? stub!.Responses : stub!.Messages).Enqueue(doc);
                await ctx.Response.WriteAsync("ok");
            });
            return stub = new SlackStub(server);
        }

        public IEnumerable<SlackActionValue> ButtonValues(string actionId) =>
            Messages.SelectMany(m => m.RootElement.GetProperty("blocks").EnumerateArray())
                .Where(b => b.GetProperty("type").GetString() == "actions")
                .SelectMany(b => b.GetProperty("elements").EnumerateArray())
                .Where(e => e.GetProperty("action_id").GetString() == actionId)
                .Select(e => SlackActionValue.TryParse(e.GetProperty("value").GetString(), out var v) ? v : throw new InvalidOperationException("bad button value"));

        public ValueTask DisposeAsync() => _server.DisposeAsync();
    }

    [Fact(Timeout = 120_000)]
    public async Task Breach_alerts_once_per_threshold_blocks_in_the_sdk_and_a_signed_override_unblocks_for_its_window()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero));
        await using var slack = await SlackStub.StartAsync();
        await using var backend = await TestBackend.StartAsync(
            configure: b => b.Services.AddSingleton<TimeProvider>(time),
            settings: new()
            {
                ["LensAI:Backend:Alerts:Slack:WebhookUrl"] = new Uri(slack.BaseAddress, "services/T000/B000/xyz").AbsoluteUri,
                ["LensAI:Backend:Alerts:Slack:SigningSecret"] = SigningSecret,
                ["LensAI:Backend:Alerts:Slack:ResponseUrlBase"] = slack.BaseAddress.AbsoluteUri,
            });
        var key = await backend.CreateKeyAsync("acme");
        using (var admin = backend.Client(key))
        {
            var put = await admin.PutAsync("v1/budgets", new StringContent("""
                {"time_zone":"UTC","budgets":[{"id":"monthly","scope":"project","period":"monthly","amount_usd":3.00,"action":"block","forecast":false}]}
                """, Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        // An LLM whose every answer costs exactly 5 % of the budget: gpt-4o-mini, 1M input tokens × $0.15/M.
        var providerCalls = 0;
        var llm = new StubHandler((_, _) =>
        {
            Interlocked.Increment(ref providerCalls);
            return Task.FromResult(StubHandler.Response("""{"id":"chatcmpl-x","model":"gpt-4o-mini-2024-07-18","usage":{"prompt_tokens":1000000,"completion_tokens":0}}"""u8.ToArray(), "application/json"));
        });
        var recorded = new ConcurrentQueue<UsageEvent>();
        await using var lens = new LensAIClient(new LensAIOptions { Endpoint = backend.BaseAddress, ApiKey = key, EnableSpool = false }, null, time);
        lens.Recorded += (_, e) => recorded.Enqueue(e);
        using var http = new HttpClient(lens.CreateHandler(llm));
        var checkA = backend.Services.GetRequiredService<BudgetCheckJob>();
        var checkB = ActivatorUtilities.CreateInstance<BudgetCheckJob>(backend.Services); // a second instance racing the first

        async Task<HttpStatusCode> CallAsync()
        {
            using var response = await http.PostAsync("https://api.openai.com/v1/chat/completions", new StringContent("""{"model":"gpt-4o-mini","max_tokens":1}""", Encoding.UTF8, "application/json"));
            await response.Content.ReadAsByteArrayAsync();
            return response.StatusCode;
        }

        async Task CheckAndPollAsync()
        {
            Assert.True(await lens.FlushAsync(TimeSpan.FromSeconds(30)));
            await Task.WhenAll(checkA.CheckProjectAsync("acme", CancellationToken.None), checkB.CheckProjectAsync("acme", CancellationToken.None));
            await lens.BudgetPoller!.PollNowAsync();
        }

        var alertsAfter = new Dictionary<int, int>();
        for (var call = 1; call <= 20; call++)
        {
            Assert.Equal(HttpStatusCode.OK, await CallAsync());
            time.Advance(TimeSpan.FromSeconds(20));
            await CheckAndPollAsync();
            alertsAfter[call] = slack.Messages.Count;
        }

        var thresholds = slack.ButtonValues(SlackMessages.RaiseActionId).Select(v => v.AlertId!.Split('|')[^1]).ToList();
        Assert.Equal(["threshold50", "threshold75", "threshold90", "threshold100"], thresholds);
        Assert.Equal(1, alertsAfter[10] - alertsAfter[9]);   // 50 %
        Assert.Equal(1, alertsAfter[15] - alertsAfter[14]);  // 75 %
        Assert.Equal(1, alertsAfter[18] - alertsAfter[17]);  // 90 %
        Assert.Equal(1, alertsAfter[20] - alertsAfter[19]);  // 100 %
        await CheckAndPollAsync();
        Assert.Equal(4, slack.Messages.Count); // re-runs never repeat one

        // The kill-switch: the next call is refused before it reaches the provider, and recorded as blocked.
        var sentBefore = providerCalls;
        var blocked = await Assert.ThrowsAsync<LensAIBudgetExceededException>(CallAsync);
        Assert.Equal(sentBefore, providerCalls);
        Assert.Equal("monthly", blocked.BudgetId);
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), blocked.ResetsAt);
        Assert.DoesNotContain("3.00", blocked.UserMessage, StringComparison.Ordinal);
        Assert.Equal(UsageStatus.Blocked, recorded.Last().Status);

        // "Override 1 h" from Slack: a bad signature and a replay are refused; the signed click unblocks.
        var overrideValue = slack.ButtonValues(SlackMessages.OverrideActionId).Last();
        var payload = JsonSerializer.Serialize(new
        {
            type = "block_actions",
            user = new { id = "U0OPS", username = "ops" },
            actions = new[] { new { action_id = SlackMessages.OverrideActionId, value = overrideValue.ToJson() } },
            response_url = new Uri(slack.BaseAddress, "actions/T000/123/abc").AbsoluteUri,
        });
        var form = "payload=" + Uri.EscapeDataString(payload);
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        using var slackCaller = backend.Client(null);
        async Task<HttpStatusCode> ClickAsync(string signature, string ts)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "v1/slack/actions") { Content = new StringContent(form, Encoding.UTF8, "application/x-www-form-urlencoded") };
            request.Headers.Add(SlackSignature.TimestampHeader, ts);
            request.Headers.Add(SlackSignature.SignatureHeader, signature);
            using var response = await slackCaller.SendAsync(request);
            return response.StatusCode;
        }

        var good = SlackSignature.Compute(SigningSecret, timestamp, Encoding.UTF8.GetBytes(form));
        Assert.Equal(HttpStatusCode.Unauthorized, await ClickAsync(SlackSignature.Compute("not-the-secret-0123456789", timestamp, Encoding.UTF8.GetBytes(form)), timestamp));
        var stale = time.GetUtcNow().AddMinutes(-6).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        Assert.Equal(HttpStatusCode.Unauthorized, await ClickAsync(SlackSignature.Compute(SigningSecret, stale, Encoding.UTF8.GetBytes(form)), stale));
        Assert.Equal(HttpStatusCode.OK, await ClickAsync(good, timestamp));
        Assert.Equal(HttpStatusCode.Conflict, await ClickAsync(good, timestamp)); // the exact request again: a replay
        Assert.Single(slack.Responses); // the alert message was replaced once
        Assert.Contains(await backend.Services.GetRequiredService<BudgetStore>().AuditTrailAsync("acme", CancellationToken.None), a => a.Action == "budget.override" && a.Actor == "slack:ops");

        await lens.BudgetPoller!.PollNowAsync();
        Assert.Equal(HttpStatusCode.OK, await CallAsync());
        Assert.Equal(sentBefore + 1, providerCalls);

        // After the override window, it blocks again.
        time.Advance(TimeSpan.FromMinutes(61));
        await CheckAndPollAsync();
        await Assert.ThrowsAsync<LensAIBudgetExceededException>(CallAsync);
        Assert.Equal(sentBefore + 1, providerCalls);
        Assert.Equal(4, slack.Messages.Count);
    }
}
