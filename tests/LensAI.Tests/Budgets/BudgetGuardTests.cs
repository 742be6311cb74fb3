using System.Collections;
using System.Net;
using System.Text;
using LensAI.Budgets;
using LensAI.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static LensAI.Tests.Budgets.StatusDocs;

namespace LensAI.Tests.Budgets;

/// <summary>
/// The kill-switch in the SDK, against a real Kestrel backend on loopback serving budget status documents:
/// polling (conditional GET), blocking before the provider, overrides, in-process accounting of spend and calls in
/// flight, warn mode, scope matching, failures.
/// </summary>
public sealed class BudgetGuardTests
{
    private static readonly Uri s_openAI = new("https://api.openai.com/v1/chat/completions");

    /// <summary>An OpenAI chat request for <paramref name="model"/>, with an output cap when given, and per-call attribution.</summary>
    internal static HttpRequestMessage ChatRequest(string model = "gpt-4o", int? maxTokens = 1000, string? user = null, string? route = null, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var cap = maxTokens is { } m ? $",\"max_tokens\":{m}" : "";
        var body = $$"""{"model":"{{model}}"{{cap}},"messages":[{"role":"user","content":"Say hello."}]}""";
        var request = new HttpRequestMessage(HttpMethod.Post, s_openAI) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        return request.WithLensAI(user, route, metadata);
    }

    /// <summary>An OpenAI chat completion answered by <paramref name="model"/> with the given usage.</summary>
    internal static byte[] Completion(string model = "gpt-4o-2024-08-06", int input = 10, int output = 10)
        => Encoding.UTF8.GetBytes(
            $"{{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"model\":\"{model}\",\"choices\":[{{\"index\":0,\"message\":{{\"role\":\"assistant\",\"content\":\"Hello!\"}},\"finish_reason\":\"stop\"}}],"
            + $"\"usage\":{{\"prompt_tokens\":{input},\"completion_tokens\":{output},\"total_tokens\":{input + output}}}}}");

    private static StubHandler Provider(int input = 10, int output = 10) => StubHandler.Returning(Completion(input: input, output: output), "application/json");

    private static async Task<HttpStatusCode> SendAsync(BudgetLens test, StubHandler provider, HttpRequestMessage request)
    {
        using var http = new HttpClient(test.Lens.CreateHandler(provider));
        using var response = await http.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();
        return response.StatusCode;
    }

    [Fact]
    public async Task First_poll_at_start_then_conditional_gets_with_the_etag_and_304_keeps_the_document()
    {
        await using var test = await BudgetLens.StartAsync(Doc(Budget(limit: 5m, spent: 1m)));

        var first = Assert.Single(test.Server.StatusRequests);
        Assert.Null(first.IfNoneMatch);
        Assert.Equal("Bearer lsk_test_budget", first.Authorization);
        Assert.Equal(200, first.Status);
        var document = test.Guard.Document;
        Assert.NotNull(document);
        Assert.Equal(5m, Assert.Single(document.Budgets).LimitUsd);

        await test.AdvanceAsync(TimeSpan.FromSeconds(29));
        Assert.Single(test.Server.StatusRequests); // not yet: the interval is 30 s

        await test.AdvanceAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(2, test.Server.StatusRequests.Count);
        var second = test.Server.StatusRequests.Last();
        Assert.Equal(test.Server.ETag, second.IfNoneMatch);
        Assert.Equal(304, second.Status);
        Assert.Same(document, test.Guard.Document); // 304 keeps the document

        test.Server.Serve(Doc(Now.AddSeconds(30), Budget(limit: 7m, spent: 2m)));
        await test.AdvanceAsync(TimeSpan.FromSeconds(30));
        var third = test.Server.StatusRequests.Last();
        Assert.Equal(200, third.Status);
        Assert.NotEqual(third.IfNoneMatch, test.Server.ETag); // it asked with the old tag and got the new document
        Assert.Equal(7m, Assert.Single(test.Guard.Document!.Budgets).LimitUsd);
        Assert.Equal(3, test.Lens.BudgetPoller!.Polls);
    }

    [Fact]
    public async Task A_blocked_scope_throws_before_the_provider_is_called_and_is_recorded_as_blocked()
    {
        await using var test = await BudgetLens.StartAsync(Doc(Budget(id: "team-daily", scope: "user", value: "u-42", limit: 7.35m, spent: 8.64m,
            blocked: true, reason: "spent $8.64 of $7.35"), Budget(id: "other", scope: "user", value: "u-7", blocked: true)));
        var provider = Provider();
        var metrics = new MetricCollector(test.Lens.Metrics.Meter);

        var ex = await Assert.ThrowsAsync<LensAIBudgetExceededException>(
            () => SendAsync(test, provider, ChatRequest(user: "u-42", route: "POST /chat", metadata: new Dictionary<string, string> { ["tenant"] = "acme" })));

        Assert.Empty(provider.Requests); // nothing reached the provider
        Assert.Equal("team-daily", ex.BudgetId);
        Assert.Equal("user", ex.Scope);
        Assert.Equal("u-42", ex.ScopeValue);
        Assert.Equal("daily", ex.Period);
        Assert.Equal(Budget().PeriodEnd, ex.ResetsAt);
        Assert.Contains("team-daily", ex.Message, StringComparison.Ordinal);
        Assert.Contains("spent $8.64 of $7.35", ex.Message, StringComparison.Ordinal); // operators see why
        foreach (var secret in new[] { "$", "8.64", "864", "7.35", "735", "team-daily", "u-42" })
        {
            Assert.DoesNotContain(secret, ex.UserMessage, StringComparison.Ordinal);
        }

        Assert.Contains("2026-11-22", ex.UserMessage, StringComparison.Ordinal); // when it resets

        var e = Assert.Single(test.Events);
        Assert.Equal(UsageStatus.Blocked, e.Status);
        Assert.Equal("openai", e.Provider);
        Assert.Equal("gpt-4o", e.Model); // the requested model
        Assert.Equal("chat", e.Operation);
        Assert.Equal(0, e.TokensIn);
        Assert.Equal(0, e.TokensOut);
        Assert.Equal(0m, e.CostUsd);
        Assert.Null(e.HttpStatus);
        Assert.Equal("u-42", e.UserId);
        Assert.Equal("POST /chat", e.Route);
        Assert.Equal("acme", e.Metadata!["tenant"]);
        Assert.Equal(1, metrics.Sum("lensai.budget.blocked"));

        // Another user is not blocked by u-42's budget.
        Assert.Equal(HttpStatusCode.OK, await SendAsync(test, provider, ChatRequest(user: "u-1")));
        Assert.Single(provider.Requests);
    }

    [Fact]
    public async Task An_override_allows_calls_until_it_passes_then_they_are_blocked_again_without_a_new_poll()
    {
        await using var test = await BudgetLens.StartAsync(
            Doc(Budget(limit: 1m, spent: 1.5m, blocked: true, overrideUntil: Now.AddMinutes(10))),
            o => o.Budgets.PollInterval = TimeSpan.FromHours(1));
        var provider = Provider();

        Assert.Equal(HttpStatusCode.OK, await SendAsync(test, provider, ChatRequest()));
        Assert.Equal(HttpStatusCode.OK, await SendAsync(test, provider, ChatRequest(maxTokens: 100_000))); // over the limit, and allowed: the override wins

        test.Time.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromTicks(1));
        await Assert.ThrowsAsync<LensAIBudgetExceededException>(() => SendAsync(test, provider, ChatRequest()));

        Assert.Equal(2, provider.Requests.Count);
        Assert.Single(test.Server.StatusRequests); // decided from the document already held
    }

    [Fact]
    public async Task A_status_whose_period_has_ended_blocks_nothing_until_the_next_poll()
    {
        await using var test = await BudgetLens.StartAsync(
            Doc(Budget(blocked: true, periodEnd: Now.AddMinutes(5))),
            o => o.Budgets.PollInterval = TimeSpan.FromHours(1));
        var provider = Provider();

        await Assert.ThrowsAsync<LensAIBudgetExceededException>(() => SendAsync(test, provider, ChatRequest()));
        test.Time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(HttpStatusCode.OK, await SendAsync(test, provider, ChatRequest()));
    }

    [Fact]
    public async Task Concurrent_calls_cannot_overshoot_together_the_admitted_estimates_stay_within_the_limit()
    {
        const int Calls = 50;
        await using var test = await BudgetLens.StartAsync(Doc(Budget(limit: 1m, spent: 0.90m)));
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var provider = new StubHandler(async (_, _) =>
        {
            await gate.Task;
            return StubHandler.Response(Completion(input: 20, output: 30), "application/json");
        });
        using var http = new HttpClient(test.Lens.CreateHandler(provider));

        // Every call asks for up to 2,000 output tokens of gpt-4o: about $0.02 each, so only 4 fit in the $0.10 left.
        int bodyBytes;
        using (var probe = ChatRequest(maxTokens: 2000))
        {
            bodyBytes = (await probe.Content!.ReadAsByteArrayAsync()).Length;
        }

        var estimate = test.Guard.Estimate(new BudgetRequest("openai", "gpt-4o", default, bodyBytes / 4, 2000), out _);
        Assert.InRange(estimate - NanoUsd.From(test.Lens.Catalog.Calculate("openai", "gpt-4o", new TokenUsage(bodyBytes / 4, 2000))!.Value), 0, 1);
        var expectedAdmitted = (int)(NanoUsd.From(0.10m) / estimate);
        Assert.Equal(4, expectedAdmitted);

        var blocked = 0;
        var calls = Enumerable.Range(0, Calls).Select(_ => Task.Run(async () =>
        {
            try
            {
                using var response = await http.SendAsync(ChatRequest(maxTokens: 2000));
                await response.Content.ReadAsByteArrayAsync();
                return true;
            }
            catch (LensAIBudgetExceededException)
            {
                Interlocked.Increment(ref blocked);
                return false;
            }
        })).ToArray();

        await Eventually.TrueAsync(() => provider.Requests.Count + Volatile.Read(ref blocked) == Calls, because: "every call is either in flight or blocked");
        Assert.Equal(expectedAdmitted, provider.Requests.Count);
        Assert.Equal(Calls - expectedAdmitted, blocked);
        var inFlight = test.Guard.InFlightNano;
        Assert.Equal(expectedAdmitted * estimate, inFlight);
        Assert.True(NanoUsd.From(0.90m) + inFlight <= NanoUsd.From(1m), "the admitted estimates stay within the limit");

        gate.SetResult();
        var results = await Task.WhenAll(calls);
        Assert.Equal(expectedAdmitted, results.Count(ok => ok));
        Assert.Equal(0, test.Guard.InFlightNano); // every reservation was replaced by the actual cost
        Assert.Equal(Calls, test.Events.Count);
        Assert.Equal(Calls - expectedAdmitted, test.Events.Count(e => e.Status == UsageStatus.Blocked));
        Assert.All(test.Events.Where(e => e.Status == UsageStatus.Ok), e => Assert.Equal(30, e.TokensOut));
    }

    [Fact]
    public async Task Spend_recorded_in_process_counts_until_a_status_generated_after_it_includes_it()
    {
        await using var test = await BudgetLens.StartAsync(Doc(Budget(limit: 1m, spent: 0.80m)), o => o.Budgets.PollInterval = TimeSpan.FromMinutes(1));

        // gpt-4o, 1,000 in + 10,000 out = $0.1025, asked with a small cap (small estimate).
        Assert.Equal(HttpStatusCode.OK, await SendAsync(test, Provider(input: 1000, output: 10_000), ChatRequest(maxTokens: 100)));
        Assert.Equal(0, test.Guard.InFlightNano);

        // $0.80 + $0.1025 recorded here + ~$0.10 estimate > $1: blocked at once, before the backend knows.
        var ex = await Assert.ThrowsAsync<LensAIBudgetExceededException>(() => SendAsync(test, Provider(), ChatRequest(maxTokens: 10_000)));
        Assert.Contains("0.1025", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("0.1025", ex.UserMessage, StringComparison.Ordinal);

        // A new status generated 3 s later may not include that spend yet (events ship within MaxBatchDelay, 5 s): it still counts.
        test.Server.Serve(Doc(Now.AddSeconds(3), Budget(limit: 1m, spent: 0.80m)));
        await test.AdvanceAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(200, test.Server.StatusRequests.Last().Status);
        await Assert.ThrowsAsync<LensAIBudgetExceededException>(() => SendAsync(test, Provider(), ChatRequest(maxTokens: 10_000)));

        // A status generated after it includes it (here the backend says $0.85): not counted twice.
        test.Server.Serve(Doc(Now.AddMinutes(1), Budget(limit: 1m, spent: 0.85m)));
        await test.AdvanceAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(HttpStatusCode.OK, await SendAsync(test, Provider(), ChatRequest(maxTokens: 10_000)));
    }

    [Fact]
    public async Task Warn_mode_lets_calls_through_counts_them_and_logs_once_per_budget()
    {
        await using var test = await BudgetLens.StartAsync(
            Doc(Budget(id: "flagged", blocked: true), Budget(id: "tight", scope: "route", value: "POST /chat", limit: 0.01m, spent: 0.009m)),
            o => o.Budgets.Mode = BudgetEnforcementMode.Warn);
        var provider = Provider();
        var metrics = new MetricCollector(test.Lens.Metrics.Meter);

        Assert.Equal(HttpStatusCode.OK, await SendAsync(test, provider, ChatRequest()));
        Assert.Equal(HttpStatusCode.OK, await SendAsync(test, provider, ChatRequest(route: "POST /chat")));
        Assert.Equal(HttpStatusCode.OK, await SendAsync(test, provider, ChatRequest(route: "POST /chat")));

        Assert.Equal(3, provider.Requests.Count);
        Assert.Equal(3, metrics.Sum("lensai.budget.warnings"));
        Assert.Equal(0, metrics.Sum("lensai.budget.blocked"));
        Assert.All(test.Events, e => Assert.Equal(UsageStatus.Ok, e.Status));
        Assert.Equal(2, test.Logs.Count(13)); // one warning per budget per minute
        Assert.Equal(0, test.Guard.InFlightNano);
    }

    [Theory]
    [InlineData("user", "u-1", "user=u-1", true)]
    [InlineData("user", "u-1", "user=u-2", false)]
    [InlineData("user", "u-1", "", false)]
    [InlineData("route", "POST /chat", "route=POST /chat", true)]
    [InlineData("route", "POST /chat", "route=POST /search", false)]
    [InlineData("model", "gpt-4o", "model=gpt-4o", true)]
    [InlineData("model", "gpt-4o", "model=GPT-4o", true)]
    [InlineData("model", "gpt-4o", "model=gpt-4o-2024-08-06", true)] // a budget on the model covers its snapshots
    [InlineData("model", "gpt-4o-2024-08-06", "model=gpt-4o", false)]
    [InlineData("model", "gpt-4o", "model=gpt-4o-mini", false)]
    [InlineData("metadata", "tenant=acme", "meta:tenant=acme", true)]
    [InlineData("metadata", "tenant=acme", "meta:tenant=other", false)]
    [InlineData("metadata", "env=prod", "default:env=prod", true)]
    [InlineData("metadata", "env=prod", "default:env=prod;meta:env=dev", false)] // the call's own metadata wins
    [InlineData("project", null, "", true)]
    [InlineData("team", "x", "", false)] // a scope the SDK does not know never blocks
    public async Task Scopes_match_the_calls_user_route_model_and_metadata(string scope, string? value, string call, bool blocked)
    {
        string model = "gpt-4o", user = "u-0", route = "POST /other";
        var metadata = new Dictionary<string, string>();
        var defaults = new Dictionary<string, string>();
        foreach (var part in call.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var (key, rest) = (part[..part.IndexOf(part.Contains(':') ? ':' : '=', StringComparison.Ordinal)], part[(part.IndexOf(part.Contains(':') ? ':' : '=', StringComparison.Ordinal) + 1)..]);
            switch (key)
            {
                case "user": user = rest; break;
                case "route": route = rest; break;
                case "model": model = rest; break;
                case "meta": metadata[rest.Split('=')[0]] = rest.Split('=')[1]; break;
                case "default": defaults[rest.Split('=')[0]] = rest.Split('=')[1]; break;
            }
        }

        // Both ways to block: the backend's flag, and the in-process projection over the limit.
        foreach (var budget in new[] { Budget(scope: scope, value: value, blocked: true), Budget(scope: scope, value: value, limit: 0.05m, spent: 0.049m) })
        {
            await using var test = await BudgetLens.StartAsync(Doc(budget), o =>
            {
                foreach (var (k, v) in defaults)
                {
                    o.DefaultMetadata[k] = v;
                }
            });
            var provider = Provider();
            var request = ChatRequest(model, maxTokens: 1000, user, route, metadata.Count > 0 ? metadata : null);
            if (blocked)
            {
                var ex = await Assert.ThrowsAsync<LensAIBudgetExceededException>(() => SendAsync(test, provider, request));
                Assert.Equal(scope, ex.Scope);
                Assert.Empty(provider.Requests);
            }
            else
            {
                Assert.Equal(HttpStatusCode.OK, await SendAsync(test, provider, request));
            }
        }
    }

    [Fact]
    public async Task A_failed_poll_keeps_the_last_document_and_is_logged_rate_limited()
    {
        await using var test = await BudgetLens.StartAsync(Doc(Budget(blocked: true)));
        var provider = Provider();
        var metrics = new MetricCollector(test.Lens.Metrics.Meter);
        var document = test.Guard.Document;

        test.Server.FailWith = 503;
        await test.AdvanceAsync(TimeSpan.FromSeconds(30));
        await test.AdvanceAsync(TimeSpan.FromSeconds(30));
        test.Server.FailWith = null;
        test.Server.Garbage = "{\"project_id\":";
        await test.AdvanceAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(new[] { 200, 503, 503, 200 }, test.Server.StatusRequests.Select(r => r.Status));
        Assert.Equal(3, metrics.Sum("lensai.budget.poll.failures"));
        Assert.Equal(1, test.Logs.Count(11)); // logged once, not on every poll
        Assert.Same(document, test.Guard.Document);
        await Assert.ThrowsAsync<LensAIBudgetExceededException>(() => SendAsync(test, provider, ChatRequest()));

        test.Server.Garbage = null;
        test.Server.Serve(Doc(Now.AddSeconds(90), Budget(blocked: false)));
        await test.AdvanceAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, test.Logs.Count(12)); // recovered
        Assert.Equal(HttpStatusCode.OK, await SendAsync(test, provider, ChatRequest()));
    }

    [Fact]
    public async Task Before_any_status_arrives_and_when_the_backend_is_unreachable_nothing_is_blocked()
    {
        await using var server = await BudgetStatusServer.StartAsync();
        server.FailWith = 503;
        await using var lens = new LensAIClient(new LensAIOptions { Endpoint = server.Endpoint, ApiKey = "k", EnableSpool = false }, null, new FakeTimeProvider());
        await lens.BudgetPoller!.CurrentPoll;
        Assert.Null(lens.Budgets!.Document);

        using var http = new HttpClient(lens.CreateHandler(Provider()));
        using var response = await http.SendAsync(ChatRequest());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Without_an_endpoint_or_with_budgets_disabled_nothing_is_polled_or_blocked()
    {
        await using (var noEndpoint = new TestClient())
        {
            Assert.Null(noEndpoint.Lens.Budgets);
            Assert.Null(noEndpoint.Lens.Engine.Budgets);
            using var http = noEndpoint.Http(Provider());
            using var response = await http.SendAsync(ChatRequest());
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        foreach (var configure in new Action<LensAIOptions>[] { o => o.Budgets.Enabled = false, o => o.Enabled = false })
        {
            await using var test = await BudgetLens.StartAsync(Doc(Budget(blocked: true)), configure);
            Assert.Null(test.Lens.Budgets);
            Assert.Equal(HttpStatusCode.OK, await SendAsync(test, Provider(), ChatRequest()));
            Assert.Empty(test.Server.StatusRequests);
        }
    }

    [Fact]
    public async Task An_unpriced_model_is_estimated_at_the_fallback_rates_and_the_exception_says_so()
    {
        // 10,000 input and 10,000 output tokens at the default fallback of $15 / $75 per 1M: $0.15 + $0.75 = $0.90.
        await using var test = await BudgetLens.StartAsync(Doc(Budget(limit: 1m, spent: 0.5m)));
        Assert.Equal(900_000_000, test.Guard.Estimate(new BudgetRequest("openai", "my-finetune", default, 10_000, 10_000), out var unpriced));
        Assert.True(unpriced);

        // $0.50 spent + $0.90 estimated > $1: held back before it is sent, and the message names the fallback.
        var blocked = await Assert.ThrowsAsync<LensAIBudgetExceededException>(() => SendAsync(test, Provider(), ChatRequest("my-finetune", maxTokens: 10_000)));
        Assert.Contains("no price for model 'my-finetune'", blocked.Message, StringComparison.Ordinal);
        Assert.Contains("LensAI:Budgets:UnpricedInputPerMillion", blocked.Message, StringComparison.Ordinal);

        // A small call still fits: 100 output tokens at $75 per 1M.
        Assert.Equal(HttpStatusCode.OK, await SendAsync(test, Provider(), ChatRequest("my-finetune", maxTokens: 100)));
    }

    [Fact]
    public async Task With_a_zero_fallback_an_unpriced_model_estimates_zero_yet_a_budget_at_its_limit_still_blocks_it()
    {
        await using var test = await BudgetLens.StartAsync(Doc(Budget(limit: 1m, spent: 0.999m)), o =>
        {
            o.Budgets.UnpricedInputPerMillion = 0;
            o.Budgets.UnpricedOutputPerMillion = 0;
        });
        Assert.Equal(0, test.Guard.Estimate(new BudgetRequest("openai", "my-finetune", default, 10_000, 10_000), out _));
        Assert.Equal(HttpStatusCode.OK, await SendAsync(test, Provider(), ChatRequest("my-finetune", maxTokens: 100_000)));

        test.Guard.Apply(Doc(Budget(limit: 1m, spent: 1m)));
        await Assert.ThrowsAsync<LensAIBudgetExceededException>(() => SendAsync(test, Provider(), ChatRequest("my-finetune")));
    }

    [Theory]
    [InlineData("openai", "gpt-4o", 300, 2000)]
    [InlineData("openai", "gpt-4o-mini-2024-07-18", 12_345, 777)]
    [InlineData("anthropic", "claude-sonnet-4-5", 1000, 64_000)]
    [InlineData("gemini", "gemini-2.5-pro", 150_000, 8000)] // below its long-context tier
    [InlineData("gemini", "gemini-2.5-pro", 250_000, 8000)] // above it: the tier's rates
    [InlineData("openai", "my-deployment", 1000, 1000)] // aliased to gpt-4o, with a discount
    [InlineData("openai", "custom-ft", 1000, 1000)] // an override with a per-request price
    public async Task The_estimate_is_the_catalogue_price_of_the_input_and_the_output_cap(string provider, string model, int input, int output)
    {
        await using var test = await BudgetLens.StartAsync(Doc(), o =>
        {
            o.ModelAliases["my-deployment"] = "gpt-4o";
            o.ProviderDiscounts["openai"] = 0.2m;
            o.PriceOverrides.Add(new LensAI.Pricing.ModelPrice { Provider = "openai", Model = "custom-ft", InputPerMillion = 3m, OutputPerMillion = 12m, PerRequest = 0.001m });
        });
        var exact = test.Lens.Catalog.Calculate(provider, model, new TokenUsage(input, output));
        Assert.NotNull(exact);

        for (var i = 0; i < 2; i++) // computed, then from the rates table
        {
            var estimate = test.Guard.Estimate(new BudgetRequest(provider, model, default, input, output), out var unpriced);
            Assert.False(unpriced);
            Assert.InRange(estimate - NanoUsd.From(exact.Value), 0, 1);
        }
    }

    [Fact]
    public async Task A_request_without_an_output_cap_is_estimated_at_the_default_max_output_tokens()
    {
        await using var test = await BudgetLens.StartAsync(Doc(Budget(limit: 1m, spent: 0.95m)), o => o.Budgets.DefaultMaxOutputTokens = 8000);

        // 8,000 gpt-4o output tokens = $0.08 > the $0.05 left; the same call capped at 1,000 tokens fits.
        await Assert.ThrowsAsync<LensAIBudgetExceededException>(() => SendAsync(test, Provider(), ChatRequest(maxTokens: null)));
        Assert.Equal(HttpStatusCode.OK, await SendAsync(test, Provider(), ChatRequest(maxTokens: 1000)));
    }

    [Fact]
    public async Task A_reservation_whose_call_never_completes_expires()
    {
        await using var test = await BudgetLens.StartAsync(Doc(Budget(limit: 10m)));
        var body = Completion(input: 10, output: 10);
        using var http = new HttpClient(test.Lens.CreateHandler(StubHandler.Returning(body, "application/json", chunkSize: body.Length))); // a body still to come
        var response = await http.SendAsync(ChatRequest(), HttpCompletionOption.ResponseHeadersRead); // never read, never disposed
        Assert.True(test.Guard.InFlightNano > 0);

        await test.AdvanceAsync(BudgetGuard.ReservationTimeout + TimeSpan.FromSeconds(1));

        Assert.Equal(0, test.Guard.InFlightNano);
        Assert.Equal(1, test.Logs.Count(16));
        GC.KeepAlive(response);
    }

    [Fact]
    public async Task A_failure_inside_the_guard_allows_the_call_and_is_counted()
    {
        await using var test = await BudgetLens.StartAsync(Doc(Budget(scope: "metadata", value: "tenant=acme", blocked: true)));
        var metrics = new MetricCollector(test.Lens.Metrics.Meter);
        var provider = Provider();

        var status = await SendAsync(test, provider, ChatRequest(metadata: new ThrowOnceDictionary(new Dictionary<string, string> { ["tenant"] = "acme" })));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Single(provider.Requests);
        Assert.Equal(1, metrics.Sum("lensai.budget.errors"));
        Assert.Equal(1, test.Logs.Count(15));
    }

    [Fact]
    public async Task The_lensai_recorded_event_still_fires_with_the_guard_listening()
    {
        await using var server = await BudgetStatusServer.StartAsync(Doc(Budget(limit: 10m)));
        await using var lens = new LensAIClient(new LensAIOptions { Endpoint = server.Endpoint, ApiKey = "k", EnableSpool = false }, null, new FakeTimeProvider());
        await lens.BudgetPoller!.CurrentPoll;
        var seen = new List<UsageEvent>();
        lens.Recorded += (_, e) => seen.Add(e);

        using var http = new HttpClient(lens.CreateHandler(Provider(input: 1000, output: 1000)));
        using (var response = await http.SendAsync(ChatRequest()))
        {
            await response.Content.ReadAsByteArrayAsync();
        }

        Assert.Single(seen);
        Assert.Equal(0, lens.Budgets!.InFlightNano);
    }

    [Fact]
    public void Budget_options_are_validated_naming_the_option()
    {
        var options = new LensAIOptions();
        options.Budgets.PollInterval = TimeSpan.FromMilliseconds(500);
        options.Budgets.DefaultMaxOutputTokens = 0;
        options.Budgets.Mode = (BudgetEnforcementMode)7;

        var ex = Assert.Throws<ArgumentException>(() => new LensAIClient(options, null, new FakeTimeProvider()));

        Assert.Contains("LensAI:Budgets:PollInterval", ex.Message, StringComparison.Ordinal);
        Assert.Contains("LensAI:Budgets:DefaultMaxOutputTokens", ex.Message, StringComparison.Ordinal);
        Assert.Contains("LensAI:Budgets:Mode", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Budget_options_bind_from_the_LensAI_Budgets_section()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["LensAI:Budgets:Enabled"] = "false",
            ["LensAI:Budgets:Mode"] = "Warn",
            ["LensAI:Budgets:PollInterval"] = "00:01:00",
            ["LensAI:Budgets:DefaultMaxOutputTokens"] = "2048",
        }).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);
        services.AddLensAI();
        using var provider = services.BuildServiceProvider();

        var budgets = provider.GetRequiredService<IOptions<LensAIOptions>>().Value.Budgets;

        Assert.False(budgets.Enabled);
        Assert.Equal(BudgetEnforcementMode.Warn, budgets.Mode);
        Assert.Equal(TimeSpan.FromMinutes(1), budgets.PollInterval);
        Assert.Equal(2048, budgets.DefaultMaxOutputTokens);
        var defaults = new LensAIBudgetOptions();
        Assert.True(defaults.Enabled);
        Assert.Equal(BudgetEnforcementMode.Block, defaults.Mode);
        Assert.Equal(TimeSpan.FromSeconds(30), defaults.PollInterval);
        Assert.Equal(4096, defaults.DefaultMaxOutputTokens);
    }

    /// <summary>Metadata whose first enumeration fails (a bug inside the guard, simulated).</summary>
    private sealed class ThrowOnceDictionary(Dictionary<string, string> inner) : IReadOnlyDictionary<string, string>
    {
        private int _enumerations;

        public string this[string key] => inner[key];

        public IEnumerable<string> Keys => inner.Keys;

        public IEnumerable<string> Values => inner.Values;

        public int Count => inner.Count;

        public bool ContainsKey(string key) => inner.ContainsKey(key);

        public bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out string value) => inner.TryGetValue(key, out value);

        public IEnumerator<KeyValuePair<string, string>> GetEnumerator()
            => Interlocked.Increment(ref _enumerations) == 1 ? throw new InvalidOperationException("simulated") : inner.GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
