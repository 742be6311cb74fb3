using System.Collections.Concurrent;
using System.Globalization;
using LensAI.Backend.Billing;
using LensAI.Backend.Tests.Alerts;
using LensAI.Testing;
using Microsoft.AspNetCore.Http;
using static LensAI.Backend.Tests.Alerts.DeliveryTestSupport;

namespace LensAI.Backend.Tests.Billing;

/// <summary>
/// <see cref="StripeMeterClient"/> (Stripe.net underneath) against a local stand-in for Stripe's Meter Events API.
/// Stripe.net's own retry backoff is fixed (0.5 s, doubling) and cannot be shortened, so the tests that exercise it
/// use one or two retries; the 429 waits are LensAI's and run on a fake clock.
/// </summary>
public sealed class StripeMeterClientTests
{
    private const string ApiKey = "sk_test_lensai_0000000000000000";
    private const string EventName = "llm_cost";
    private static readonly DateTimeOffset Hour = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Posts_a_form_encoded_meter_event_with_auth_stripe_version_and_the_identifier_as_idempotency_key()
    {
        await using var stripe = await StripeServer.StartAsync((ctx, _) => Json(ctx, 200, StripeServer.MeterEventJson));
        using var client = NewClient(Options(stripe));
        var identifier = StripeMeterClient.CreateIdentifier("acme", "cus_NciAYcXfLnqBoz", Hour);

        var result = await client.SendAsync(new StripeMeterEvent("cus_NciAYcXfLnqBoz", 250_000, identifier, Hour));

        Assert.Equal(MeterEventStatus.Delivered, result.Status);
        Assert.Equal(200, result.HttpStatus);
        Assert.Empty(stripe.Problems);
        var request = Assert.Single(stripe.Requests);
        Assert.Equal("acme:cus_NciAYcXfLnqBoz:2026112110", identifier);
        Assert.Equal( // Stripe.net's form encoding: brackets as Stripe writes them, values percent-encoded
            "event_name=llm_cost&identifier=acme%3Acus_NciAYcXfLnqBoz%3A2026112110&payload[stripe_customer_id]=cus_NciAYcXfLnqBoz" +
            "&payload[value]=250000&timestamp=" + Hour.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), request.RawBody);
        Assert.Equal(identifier, request.IdempotencyKey);
        Assert.Equal("2026-10-28.endive", request.StripeVersion); // the version Stripe.net 53.1.0 pins (docs/stripe.md says so)
        Assert.StartsWith("Stripe/V1 .NetBindings/53.1.0 LensAI/", request.UserAgent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_400_fails_at_once_with_stripes_message_and_the_customer()
    {
        const string message = "No such customer: 'cus_missing'";
        await using var stripe = await StripeServer.StartAsync((ctx, _) => Json(ctx, 400,
            $$$"""{"error":{"type":"invalid_request_error","code":"resource_missing","message":"{{{message}}}","param":"payload[stripe_customer_id]","doc_url":"https://docs.stripe.com/error-codes/resource-missing"}}"""));
        using var client = NewClient(Options(stripe));

        var result = await client.SendAsync(Event("cus_missing"));

        Assert.Equal(MeterEventStatus.Failed, result.Status);
        Assert.Single(stripe.Requests);
        Assert.Equal(400, result.HttpStatus);
        Assert.Equal(("invalid_request_error", "resource_missing", message, "payload[stripe_customer_id]"),
            (result.Error?.Type, result.Error?.Code, result.Error?.Message, result.Error?.Param));
        Assert.Equal("Stripe meter event acme:cus_missing:2026112110 (customer cus_missing): HTTP 400 invalid_request_error resource_missing: " +
            "No such customer: 'cus_missing' (param payload[stripe_customer_id])", result.Message);
    }

    [Fact]
    public async Task A_401_fails_with_stripes_message_and_never_the_key()
    {
        await using var stripe = await StripeServer.StartAsync((ctx, _) => Json(ctx, 401,
            $$$"""{"error":{"type":"invalid_request_error","message":"Invalid API Key provided: {{{ApiKey}}}"}}"""));
        var logger = new ListLogger<StripeMeterClient>();
        using var client = NewClient(Options(stripe), logger: logger);

        var result = await client.SendAsync(Event());

        Assert.Equal((MeterEventStatus.Failed, 401), (result.Status, result.HttpStatus));
        Assert.Single(stripe.Requests);
        Assert.Contains("Invalid API Key provided: ***", result.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(ApiKey, result.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(logger.Lines, l => l.Contains(ApiKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_429_is_sent_again_after_retry_after_with_the_same_idempotency_key()
    {
        var time = new FakeTimeProvider();
        await using var stripe = await StripeServer.StartAsync(async (ctx, index) =>
        {
            if (index == 0)
            {
                ctx.Response.Headers.RetryAfter = "2";
                await Json(ctx, 429, """{"error":{"type":"invalid_request_error","code":"rate_limit","message":"Too many requests hit the API too quickly."}}""");
            }
            else
            {
                await Json(ctx, 200, StripeServer.MeterEventJson);
            }
        }, time);
        using var client = NewClient(Options(stripe, maxNetworkRetries: 1), time);

        var result = await DriveAsync(client.SendAsync(Event(at: time.GetUtcNow().AddHours(-1))), time);

        Assert.Equal(MeterEventStatus.Delivered, result.Status);
        Assert.Empty(stripe.Problems);
        var requests = stripe.Requests;
        Assert.Equal(2, requests.Count);
        Assert.True(requests[1].ArrivedAt - requests[0].ArrivedAt >= TimeSpan.FromSeconds(2));
        Assert.Equal(requests[0].IdempotencyKey, requests[1].IdempotencyKey);
        Assert.Equal(requests[0].RawBody, requests[1].RawBody);
    }

    [Fact]
    public async Task A_429_that_asks_too_long_a_wait_or_outlasts_the_retries_is_left_for_the_next_run()
    {
        var time = new FakeTimeProvider();
        await using var longWait = await StripeServer.StartAsync((ctx, _) =>
        {
            ctx.Response.Headers.RetryAfter = "60";
            return Json(ctx, 429, """{"error":{"type":"invalid_request_error","message":"Too many requests hit the API too quickly."}}""");
        }, time);
        await using var always = await StripeServer.StartAsync((ctx, _) => Json(ctx, 429, """{"error":{"type":"invalid_request_error","message":"Too many requests"}}"""), time);
        using var longWaitClient = NewClient(Options(longWait), time);
        using var alwaysClient = NewClient(Options(always, maxNetworkRetries: 2), time);

        var tooLong = await longWaitClient.SendAsync(Event(at: time.GetUtcNow().AddHours(-1)));
        var exhausted = await DriveAsync(alwaysClient.SendAsync(Event(at: time.GetUtcNow().AddHours(-1))), time);

        Assert.Equal((MeterEventStatus.RetryLater, 429), (tooLong.Status, tooLong.HttpStatus));
        Assert.Contains("Stripe asks to wait 60 s", tooLong.Message, StringComparison.Ordinal);
        Assert.Single(longWait.Requests);
        Assert.Equal((MeterEventStatus.RetryLater, 429), (exhausted.Status, exhausted.HttpStatus));
        Assert.EndsWith("HTTP 429 invalid_request_error: Too many requests Still rate-limited after 2 wait(s).", exhausted.Message, StringComparison.Ordinal);
        var requests = always.Requests;
        Assert.Equal(3, requests.Count); // the first send and MaxNetworkRetries (2) more
        Assert.True(requests[1].ArrivedAt - requests[0].ArrivedAt >= TimeSpan.FromSeconds(0.5)); // no Retry-After: Stripe.net's backoff
        Assert.True(requests[2].ArrivedAt - requests[1].ArrivedAt >= TimeSpan.FromSeconds(1));
        Assert.Empty(always.Problems);
    }

    [Fact]
    public async Task A_5xx_is_retried_by_stripe_net_with_the_same_idempotency_key_then_succeeds()
    {
        await using var stripe = await StripeServer.StartAsync((ctx, index) => index == 0
            ? Json(ctx, 500, """{"error":{"type":"api_error","message":"An unknown error occurred"}}""")
            : Json(ctx, 200, StripeServer.MeterEventJson));
        using var client = NewClient(Options(stripe, maxNetworkRetries: 1));

        var result = await client.SendAsync(Event());

        Assert.Equal(MeterEventStatus.Delivered, result.Status);
        Assert.Empty(stripe.Problems); // every request, the retry included, carried the identifier as Idempotency-Key
        var requests = stripe.Requests;
        Assert.Equal(2, requests.Count);
        Assert.Equal(requests[0].RawBody, requests[1].RawBody);
    }

    [Fact]
    public async Task Server_errors_are_retried_a_bounded_number_of_times_then_left_for_the_next_run()
    {
        await using var stripe = await StripeServer.StartAsync((ctx, _) => Json(ctx, 503, """{"error":{"type":"api_error","message":"An unknown error occurred"}}"""));
        using var client = NewClient(Options(stripe, maxNetworkRetries: 2));

        var result = await client.SendAsync(Event());

        Assert.Equal((MeterEventStatus.RetryLater, 503), (result.Status, result.HttpStatus));
        Assert.Equal(3, stripe.Requests.Count);
        Assert.Single(stripe.Requests.Select(r => r.IdempotencyKey).Distinct());
        Assert.Equal("api_error", result.Error?.Type);
        Assert.Contains("An unknown error occurred", result.Message, StringComparison.Ordinal);
        Assert.Empty(stripe.Problems);
    }

    [Fact]
    public async Task Stripe_should_retry_false_is_obeyed()
    {
        await using var stripe = await StripeServer.StartAsync((ctx, _) =>
        {
            ctx.Response.Headers["Stripe-Should-Retry"] = "false";
            return Json(ctx, 500, """{"error":{"type":"api_error","message":"Try later"}}""");
        });
        using var client = NewClient(Options(stripe, maxNetworkRetries: 2));

        var result = await client.SendAsync(Event());

        Assert.Equal(MeterEventStatus.RetryLater, result.Status);
        Assert.Single(stripe.Requests);
    }

    [Fact]
    public async Task A_conflict_on_the_idempotency_key_is_retried()
    {
        await using var stripe = await StripeServer.StartAsync((ctx, index) => index == 0
            ? Json(ctx, 409, """{"error":{"type":"idempotency_error","message":"There is currently another in-progress request using this Idempotent Key."}}""")
            : Json(ctx, 200, StripeServer.MeterEventJson));
        using var client = NewClient(Options(stripe, maxNetworkRetries: 1));

        var result = await client.SendAsync(Event());

        Assert.Equal(MeterEventStatus.Delivered, result.Status);
        Assert.Equal(2, stripe.Requests.Count);
    }

    [Fact]
    public async Task Malformed_answers_are_reported_as_such_a_refusal_fails_and_an_unreadable_success_is_sent_again_later()
    {
        await using var stripe = await StripeServer.StartAsync((ctx, index) => index == 0
            ? Text(ctx, 400, "<html>bad request</html>", "text/html")
            : Json(ctx, 200, """{"object":"billing.meter_event","payload":"""));
        using var client = NewClient(Options(stripe, maxNetworkRetries: 0));

        var refused = await client.SendAsync(Event());
        var unreadable = await client.SendAsync(Event());

        Assert.Equal((MeterEventStatus.Failed, 400, null), (refused.Status, refused.HttpStatus, refused.Error));
        Assert.EndsWith("HTTP 400, not a Stripe error body: <html>bad request</html>", refused.Message, StringComparison.Ordinal);
        Assert.Equal((MeterEventStatus.RetryLater, 200), (unreadable.Status, unreadable.HttpStatus));
        Assert.Contains("HTTP 200, an unreadable answer: {\"object\":\"billing.meter_event\",\"payload\":", unreadable.Message, StringComparison.Ordinal);
        Assert.Equal(2, stripe.Requests.Count);
    }

    [Fact]
    public async Task A_request_that_outlasts_the_timeout_is_retried_with_the_same_key_then_left_for_the_next_run()
    {
        await using var stripe = await StripeServer.StartAsync(async (ctx, _) =>
        {
            try
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, ctx.RequestAborted); // never answers; the client gives up
            }
            catch (OperationCanceledException)
            {
            }
        });
        var options = Options(stripe, maxNetworkRetries: 1);
        options.RequestTimeout = TimeSpan.FromSeconds(1);
        using var client = NewClient(options);

        var result = await client.SendAsync(Event());

        Assert.Equal((MeterEventStatus.RetryLater, null), (result.Status, result.HttpStatus));
        Assert.Contains("no answer within 1 s, 2 attempt(s)", result.Message, StringComparison.Ordinal);
        Assert.Equal(2, stripe.Requests.Count);
        Assert.Empty(stripe.Problems);
    }

    [Fact]
    public async Task A_refused_connection_is_left_for_the_next_run_and_a_cancelled_send_throws()
    {
        var options = new StripeOptions { ApiKey = ApiKey, MeterEventName = EventName, BaseUrl = $"http://127.0.0.1:{LoopbackPort.Free()}/", MaxNetworkRetries = 0 };
        using var unreachable = NewClient(options);
        var result = await unreachable.SendAsync(Event());
        Assert.Equal((MeterEventStatus.RetryLater, null), (result.Status, result.HttpStatus));
        Assert.Contains("network error after 1 attempt(s)", result.Message, StringComparison.Ordinal);

        using var cts = new CancellationTokenSource();
        await using var stripe = await StripeServer.StartAsync(async (ctx, _) =>
        {
            await cts.CancelAsync();
            try
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, ctx.RequestAborted);
            }
            catch (OperationCanceledException)
            {
            }
        });
        using var client = NewClient(Options(stripe));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.SendAsync(Event(), cts.Token));
        Assert.Single(stripe.Requests);
    }

    [Fact]
    public async Task Events_outside_stripes_time_window_are_refused_without_a_request()
    {
        await using var stripe = await StripeServer.StartAsync((ctx, _) => Json(ctx, 200, StripeServer.MeterEventJson));
        var time = new FakeTimeProvider();
        using var client = NewClient(Options(stripe), time);

        var old = await client.SendAsync(Event(at: time.GetUtcNow().AddDays(-36)));
        var future = await client.SendAsync(Event(at: time.GetUtcNow().AddMinutes(10)));

        Assert.Equal(MeterEventStatus.Failed, old.Status);
        Assert.Contains("35-day window", old.Message, StringComparison.Ordinal);
        Assert.Equal(MeterEventStatus.Failed, future.Status);
        Assert.Contains("5 minutes in the future", future.Message, StringComparison.Ordinal);
        Assert.Empty(stripe.Requests);
    }

    [Fact]
    public async Task A_rerun_sends_the_same_identifier_and_key_and_custom_payload_keys_are_used()
    {
        await using var stripe = await StripeServer.StartAsync((ctx, _) => Json(ctx, 200, StripeServer.MeterEventJson), customerKey: "customer", valueKey: "micro_usd");
        var options = Options(stripe);
        options.CustomerPayloadKey = "customer";
        options.ValuePayloadKey = "micro_usd";
        using var client = NewClient(options);

        for (var run = 0; run < 2; run++)
        {
            var identifier = StripeMeterClient.CreateIdentifier("acme", "cus_A", Hour);
            Assert.True((await client.SendAsync(new StripeMeterEvent("cus_A", StripeMeterClient.ToMicroUsd(0.1234565m), identifier, Hour))).IsDelivered);
        }

        Assert.Empty(stripe.Problems);
        var requests = stripe.Requests;
        Assert.Equal(2, requests.Count);
        Assert.All(requests, r => Assert.Equal("acme:cus_A:2026112110", r.IdempotencyKey));
        Assert.Equal("123457", requests[0].Form["payload[micro_usd]"]);
        Assert.Equal("cus_A", requests[0].Form["payload[customer]"]);
        Assert.Equal(requests[0].RawBody, requests[1].RawBody);
    }

    [Fact]
    public void Identifiers_are_stable_per_project_customer_and_utc_hour_and_fit_stripes_limit()
    {
        var sameHour = new DateTimeOffset(2026, 11, 21, 11, 59, 0, TimeSpan.FromHours(1)); // 10:59 UTC
        Assert.Equal("acme:cus_1:2026112110", StripeMeterClient.CreateIdentifier("acme", "cus_1", sameHour));

        var longProject = new string('p', 120);
        var id = StripeMeterClient.CreateIdentifier(longProject, "cus_1", Hour);
        Assert.True(id.Length <= StripeMeterClient.MaxIdentifierLength);
        Assert.Equal("lensai-63aee4f13484e73b9abf115b539a372b51cad321:2026112110", id);
        Assert.Equal(id, StripeMeterClient.CreateIdentifier(longProject, "cus_1", Hour));
        Assert.NotEqual(id, StripeMeterClient.CreateIdentifier(longProject, "cus_2", Hour));
    }

    [Theory]
    [InlineData("0.25", 250_000)]
    [InlineData("0.0000005", 1)]
    [InlineData("0.0000004", 0)]
    [InlineData("12.3456789", 12_345_679)]
    public void Costs_become_whole_micro_dollars(string usd, long expected) =>
        Assert.Equal(expected, StripeMeterClient.ToMicroUsd(decimal.Parse(usd, CultureInfo.InvariantCulture)));

    [Fact]
    public void Options_are_validated_with_their_names_and_never_print_the_key()
    {
        var options = new StripeOptions
        {
            ApiKey = "pk_test_123", MeterEventName = "", ValueUnit = "dollars", BaseUrl = "http://api.example.com",
            MaxNetworkRetries = 11, RequestTimeout = TimeSpan.Zero, MaxRetryAfter = TimeSpan.FromSeconds(-1),
        };
        var errors = options.GetValidationErrors();
        Assert.Contains(errors, e => e.StartsWith("LensAI:Backend:Stripe:ApiKey must be a secret key", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("LensAI:Backend:Stripe:MeterEventName is required", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("LensAI:Backend:Stripe:ValueUnit 'dollars'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("LensAI:Backend:Stripe:BaseUrl", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("LensAI:Backend:Stripe:MaxNetworkRetries", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("LensAI:Backend:Stripe:RequestTimeout", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("LensAI:Backend:Stripe:MaxRetryAfter", StringComparison.Ordinal));
        Assert.Throws<ArgumentException>(() => new StripeMeterClient(options));

        var good = new StripeOptions { ApiKey = ApiKey, MeterEventName = EventName, ValueUnit = "tokens" };
        Assert.Empty(good.GetValidationErrors());
        Assert.Equal(StripeValueUnit.Tokens, good.ParsedValueUnit);
        Assert.Equal(StripeValueUnit.MicroUsd, new StripeOptions().ParsedValueUnit);
        Assert.DoesNotContain(ApiKey, good.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_docs_name_the_stripe_api_version_that_stripe_net_pins()
    {
        var docs = File.ReadAllText(RepositoryPaths.Combine("docs", "stripe.md"));
        Assert.Contains($"`{Stripe.StripeConfiguration.ApiVersion}`", docs, StringComparison.Ordinal);
        Assert.Contains($"Stripe.net {typeof(Stripe.StripeClient).Assembly.GetName().Version!.ToString(3)}", docs, StringComparison.Ordinal);
    }

    // A fixed "now" (so the 35-day window does not depend on the machine's date) unless a fake clock is given; Stripe.net's
    // own retry delays are always real.
    private static StripeMeterClient NewClient(StripeOptions options, TimeProvider? time = null, ListLogger<StripeMeterClient>? logger = null) =>
        new(options, time ?? new FixedNowTimeProvider(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero)), logger);

    private static StripeOptions Options(StripeServer stripe, int maxNetworkRetries = 0) => new()
    {
        ApiKey = ApiKey,
        MeterEventName = EventName,
        BaseUrl = stripe.BaseAddress.AbsoluteUri,
        MaxNetworkRetries = maxNetworkRetries,
    };

    private static StripeMeterEvent Event(string customer = "cus_NciAYcXfLnqBoz", DateTimeOffset? at = null)
    {
        var hour = at ?? Hour;
        return new StripeMeterEvent(customer, 1000, StripeMeterClient.CreateIdentifier("acme", customer, hour), hour);
    }

    /// <summary>
    /// A local stand-in for Stripe that checks each request as the Meter Events API defines it (method, path, bearer
    /// key, form encoding, every field) and as Stripe.net sends it (the pinned <c>Stripe-Version</c>, the identifier as
    /// <c>Idempotency-Key</c> on every try, no telemetry header), and records what it saw; a bad request gets a
    /// Stripe-style 400 and a line in <see cref="Problems"/>.
    /// </summary>
    private sealed class StripeServer : IAsyncDisposable
    {
        public const string MeterEventJson =
            """{"object":"billing.meter_event","created":1795262400,"event_name":"llm_cost","identifier":"x","livemode":false,"payload":{},"timestamp":1795258800}""";

        private readonly ConcurrentQueue<StripeRequest> _requests = new();
        private RecordingServer? _server;

        public ConcurrentQueue<string> Problems { get; } = new();

        public Uri BaseAddress => _server!.BaseAddress;

        public IReadOnlyList<StripeRequest> Requests => [.. _requests];

        public static async Task<StripeServer> StartAsync(Func<HttpContext, int, Task> respond, TimeProvider? clock = null,
            string customerKey = "stripe_customer_id", string valueKey = "value")
        {
            var stripe = new StripeServer();
            var accepted = -1;
            stripe._server = await RecordingServer.StartAsync(async (ctx, recorded, _) =>
            {
                var form = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(recorded.BodyText)
                    .ToDictionary(p => p.Key, p => p.Value.ToString(), StringComparer.Ordinal);
                var problems = new List<string>();
                Check(problems, recorded.Method == "POST", $"method {recorded.Method}");
                Check(problems, recorded.Path == "/v1/billing/meter_events", $"path {recorded.Path}");
                Check(problems, recorded.Header("Authorization") == "Bearer " + ApiKey, "Authorization is not the bearer key");
                Check(problems, recorded.Header("Content-Type")?.Split(';')[0] == "application/x-www-form-urlencoded", $"Content-Type {recorded.Header("Content-Type")}");
                Check(problems, recorded.Header("Stripe-Version") == Stripe.StripeConfiguration.ApiVersion, $"Stripe-Version {recorded.Header("Stripe-Version")}");
                Check(problems, recorded.Header("X-Stripe-Client-Telemetry") is null, "telemetry header sent");
                var expectedKeys = new[] { "event_name", $"payload[{customerKey}]", $"payload[{valueKey}]", "identifier", "timestamp" };
                Check(problems, form.Keys.Order(StringComparer.Ordinal).SequenceEqual(expectedKeys.Order(StringComparer.Ordinal)), $"fields {string.Join(",", form.Keys)}");
                Check(problems, form.GetValueOrDefault("event_name") == EventName, "event_name");
                Check(problems, form.GetValueOrDefault($"payload[{customerKey}]")?.StartsWith("cus_", StringComparison.Ordinal) == true, "customer id");
                Check(problems, long.TryParse(form.GetValueOrDefault($"payload[{valueKey}]"), NumberStyles.None, CultureInfo.InvariantCulture, out long _), "value is not a whole number");
                Check(problems, long.TryParse(form.GetValueOrDefault("timestamp"), NumberStyles.None, CultureInfo.InvariantCulture, out long _), "timestamp is not unix seconds");
                Check(problems, form.GetValueOrDefault("identifier") is { Length: > 0 and <= 100 }, "identifier length");
                Check(problems, recorded.Header("Idempotency-Key") == form.GetValueOrDefault("identifier"), "Idempotency-Key differs from identifier");
                stripe._requests.Enqueue(new StripeRequest(form, recorded.BodyText, recorded.Header("Idempotency-Key"), recorded.Header("Stripe-Version"),
                    recorded.Header("User-Agent"), recorded.ArrivedAt));
                if (problems.Count > 0)
                {
                    foreach (var problem in problems)
                    {
                        stripe.Problems.Enqueue(problem);
                    }

                    await Json(ctx, 400, $$$"""{"error":{"type":"invalid_request_error","message":"test server: {{{string.Join("; ", problems)}}}"}}""");
                    return;
                }

                await respond(ctx, Interlocked.Increment(ref accepted));
            }, clock);
            return stripe;
        }

        public ValueTask DisposeAsync() => _server!.DisposeAsync();

        private static void Check(List<string> problems, bool condition, string problem)
        {
            if (!condition)
            {
                problems.Add(problem);
            }
        }
    }

    private sealed record StripeRequest(Dictionary<string, string> Form, string RawBody, string? IdempotencyKey, string? StripeVersion, string? UserAgent, DateTimeOffset ArrivedAt);
}
