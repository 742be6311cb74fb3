using System.Collections.Concurrent;
using System.Globalization;
using LensAI.Backend.Alerts;
using LensAI.Backend.Billing;
using LensAI.Backend.Tests.Alerts;
using LensAI.Testing;
using Microsoft.AspNetCore.Http;
using static LensAI.Backend.Tests.Alerts.DeliveryTestSupport;

namespace LensAI.Backend.Tests.Billing;

public sealed class StripeMeterClientTests
{
    private const string ApiKey = "sk_test_lensai_0000000000000000";
    private const string EventName = "llm_cost";
    private static readonly DateTimeOffset Hour = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Posts_a_form_encoded_meter_event_with_auth_and_idempotency_key()
    {
        await using var stripe = await StripeServer.StartAsync((ctx, _) => Json(ctx, 200, StripeServer.MeterEventJson));
        using var client = NewClient(Options(stripe));
        var identifier = StripeMeterClient.CreateIdentifier("acme", "cus_NciAYcXfLnqBoz", Hour);

        var result = await client.SendAsync(new StripeMeterEvent("cus_NciAYcXfLnqBoz", 250_000, identifier, Hour));

        Assert.Equal(MeterEventStatus.Delivered, result.Status);
        Assert.Equal(1, result.Attempts);
        Assert.Equal(200, result.HttpStatus);
        Assert.Empty(stripe.Problems);
        var request = Assert.Single(stripe.Requests);
        Assert.Equal("acme:cus_NciAYcXfLnqBoz:2026112110", identifier);
        Assert.Equal(new Dictionary<string, string>
        {
            ["event_name"] = EventName,
            ["payload[stripe_customer_id]"] = "cus_NciAYcXfLnqBoz",
            ["payload[value]"] = "250000",
            ["identifier"] = identifier,
            ["timestamp"] = Hour.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
        }, request.Form);
        Assert.Equal(identifier, request.IdempotencyKey);
        Assert.Contains("payload%5Bstripe_customer_id%5D=cus_NciAYcXfLnqBoz", request.RawBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_400_fails_at_once_and_reports_stripes_message()
    {
        const string message = "No such customer: 'cus_missing'";
        await using var stripe = await StripeServer.StartAsync((ctx, _) => Json(ctx, 400,
            $$$"""{"error":{"type":"invalid_request_error","code":"resource_missing","message":"{{{message}}}","param":"payload[stripe_customer_id]","doc_url":"https://docs.stripe.com/error-codes/resource-missing"}}"""));
        using var client = NewClient(Options(stripe));

        var result = await client.SendAsync(Event("cus_missing"));

        Assert.Equal(MeterEventStatus.Failed, result.Status);
        Assert.Equal(1, result.Attempts);
        Assert.Single(stripe.Requests);
        Assert.Equal(400, result.HttpStatus);
        Assert.Equal(new StripeError("invalid_request_error", "resource_missing", message, "payload[stripe_customer_id]",
            "https://docs.stripe.com/error-codes/resource-missing"), result.Error);
        Assert.Contains(message, result.Message, StringComparison.Ordinal);
        Assert.Contains("(param payload[stripe_customer_id])", result.Message, StringComparison.Ordinal);
        Assert.Contains("acme:cus_missing:2026112110", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_401_fails_with_stripes_message_and_never_the_key()
    {
        await using var stripe = await StripeServer.StartAsync((ctx, _) => Json(ctx, 401,
            """{"error":{"type":"invalid_request_error","message":"Invalid API Key provided: sk_test_****0000"}}"""));
        var logger = new ListLogger<StripeMeterClient>();
        using var client = NewClient(Options(stripe), logger);

        var result = await client.SendAsync(Event());

        Assert.Equal(MeterEventStatus.Failed, result.Status);
        Assert.Contains("Invalid API Key provided", result.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(ApiKey, result.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(logger.Lines, l => l.Contains(ApiKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_429_is_retried_after_retry_after_with_the_same_idempotency_key()
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
        var options = Options(stripe);
        options.Retry = FakeClockRetry();
        using var client = new StripeMeterClient(options, timeProvider: time);
        var delays = new List<TimeSpan>();
        client.OnRetryScheduled = (_, delay) => delays.Add(delay);

        var result = await DriveAsync(client.SendAsync(Event(at: time.GetUtcNow().AddHours(-1))), time);

        Assert.Equal(MeterEventStatus.Delivered, result.Status);
        Assert.Equal(2, result.Attempts);
        Assert.Equal([TimeSpan.FromSeconds(2)], delays);
        var requests = stripe.Requests;
        Assert.Equal(2, requests.Count);
        Assert.True(requests[1].ArrivedAt - requests[0].ArrivedAt >= TimeSpan.FromSeconds(2));
        Assert.Equal(requests[0].IdempotencyKey, requests[1].IdempotencyKey);
        Assert.Equal(requests[0].Form, requests[1].Form);
        Assert.Empty(stripe.Problems);
    }

    [Fact]
    public async Task Server_errors_are_retried_a_bounded_number_of_times_then_retry_later()
    {
        await using var stripe = await StripeServer.StartAsync((ctx, _) => Json(ctx, 500,
            """{"error":{"type":"api_error","message":"An unknown error occurred"}}"""));
        using var client = NewClient(Options(stripe, maxAttempts: 3));

        var result = await client.SendAsync(Event());

        Assert.Equal(MeterEventStatus.RetryLater, result.Status);
        Assert.Equal(3, result.Attempts);
        Assert.Equal(3, stripe.Requests.Count);
        Assert.Single(stripe.Requests.Select(r => r.IdempotencyKey).Distinct());
        Assert.Equal("api_error", result.Error?.Type);
        Assert.Contains("An unknown error occurred", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stripe_should_retry_false_is_obeyed()
    {
        await using var stripe = await StripeServer.StartAsync((ctx, _) =>
        {
            ctx.Response.Headers["Stripe-Should-Retry"] = "false";
            return Json(ctx, 500, """{"error":{"type":"api_error","message":"Try later"}}""");
        });
        using var client = NewClient(Options(stripe));

        var result = await client.SendAsync(Event());

        Assert.Equal(MeterEventStatus.RetryLater, result.Status);
        Assert.Equal(1, result.Attempts);
    }

    [Fact]
    public async Task A_conflict_on_the_idempotency_key_is_retried()
    {
        await using var stripe = await StripeServer.StartAsync((ctx, index) => index == 0
            ? Json(ctx, 409, """{"error":{"type":"idempotency_error","message":"There is currently another in-progress request using this Idempotent Key."}}""")
            : Json(ctx, 200, StripeServer.MeterEventJson));
        using var client = NewClient(Options(stripe));

        var result = await client.SendAsync(Event());

        Assert.Equal(MeterEventStatus.Delivered, result.Status);
        Assert.Equal(2, result.Attempts);
    }

    [Fact]
    public async Task A_malformed_error_body_is_reported_as_such()
    {
        await using var stripe = await StripeServer.StartAsync((ctx, _) => Text(ctx, 400, "<html>bad request</html>", "text/html"));
        using var client = NewClient(Options(stripe));

        var result = await client.SendAsync(Event());

        Assert.Equal(MeterEventStatus.Failed, result.Status);
        Assert.Null(result.Error);
        Assert.Contains("not a Stripe error body", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Events_outside_stripes_time_window_are_refused_without_a_request()
    {
        await using var stripe = await StripeServer.StartAsync((ctx, _) => Json(ctx, 200, StripeServer.MeterEventJson));
        var time = new FakeTimeProvider();
        using var client = new StripeMeterClient(Options(stripe), timeProvider: time);

        var old = await client.SendAsync(Event(at: time.GetUtcNow().AddDays(-36)));
        var future = await client.SendAsync(Event(at: time.GetUtcNow().AddMinutes(10)));

        Assert.Equal(MeterEventStatus.Failed, old.Status);
        Assert.Contains("35-day window", old.Message, StringComparison.Ordinal);
        Assert.Equal(MeterEventStatus.Failed, future.Status);
        Assert.Equal(0, old.Attempts + future.Attempts);
        Assert.Empty(stripe.Requests);
    }

    [Fact]
    public async Task A_rerun_sends_the_same_identifier_and_key_and_custom_payload_keys_are_used()
    {
        await using var stripe = await StripeServer.StartAsync((ctx, _) => Json(ctx, 200, StripeServer.MeterEventJson), customerKey: "customer", valueKey: "micro_usd");
        var options = Options(stripe);
        options.CustomerPayloadKey = "customer";
        options.ValuePayloadKey = "micro_usd";
        options.ApiVersion = "2025-04-30.basil";
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
        Assert.Equal("2025-04-30.basil", requests[0].StripeVersion);
    }

    [Fact]
    public void Identifiers_are_stable_per_project_customer_and_utc_hour_and_fit_stripes_limit()
    {
        var sameHour = new DateTimeOffset(2026, 11, 21, 11, 59, 0, TimeSpan.FromHours(1)); // 10:59 UTC
        Assert.Equal("acme:cus_1:2026112110", StripeMeterClient.CreateIdentifier("acme", "cus_1", sameHour));

        var longProject = new string('p', 120);
        var id = StripeMeterClient.CreateIdentifier(longProject, "cus_1", Hour);
        Assert.True(id.Length <= StripeMeterClient.MaxIdentifierLength);
        Assert.Matches("^lensai-[0-9a-f]{40}:2026112110$", id);
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
        var options = new StripeOptions { ApiKey = "pk_test_123", MeterEventName = "", ValueUnit = "dollars", BaseUrl = "http://api.example.com" };
        var errors = options.GetValidationErrors();
        Assert.Contains(errors, e => e.StartsWith("LensAI:Backend:Stripe:ApiKey must be a secret key", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("LensAI:Backend:Stripe:MeterEventName is required", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("LensAI:Backend:Stripe:ValueUnit 'dollars'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("LensAI:Backend:Stripe:BaseUrl", StringComparison.Ordinal));
        Assert.Throws<ArgumentException>(() => new StripeMeterClient(options));

        var good = new StripeOptions { ApiKey = ApiKey, MeterEventName = EventName, ValueUnit = "tokens" };
        Assert.Empty(good.GetValidationErrors());
        Assert.Equal(StripeValueUnit.Tokens, good.ParsedValueUnit);
        Assert.Equal(StripeValueUnit.MicroUsd, new StripeOptions().ParsedValueUnit);
        Assert.DoesNotContain(ApiKey, good.ToString(), StringComparison.Ordinal);
    }

    // Real timers (tiny retry delays) but a fixed "now", so the 35-day window check does not depend on the machine's date.
    private static StripeMeterClient NewClient(StripeOptions options, ListLogger<StripeMeterClient>? logger = null) =>
        new(options, timeProvider: new FixedNowTimeProvider(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero)), logger: logger);

    private static StripeOptions Options(StripeServer stripe, int maxAttempts = 3) => new()
    {
        ApiKey = ApiKey,
        MeterEventName = EventName,
        BaseUrl = stripe.BaseAddress.AbsoluteUri,
        Retry = FastRetry(maxAttempts),
    };

    private static StripeMeterEvent Event(string customer = "cus_NciAYcXfLnqBoz", DateTimeOffset? at = null)
    {
        var hour = at ?? Hour;
        return new StripeMeterEvent(customer, 1000, StripeMeterClient.CreateIdentifier("acme", customer, hour), hour);
    }

    /// <summary>
    /// A local stand-in for Stripe that checks each request as the Meter Events API defines it (method, path, bearer
    /// key, form encoding, every field, the idempotency key) and records what it saw; a bad request gets a Stripe-style
    /// 400 and a line in <see cref="Problems"/>.
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
                Check(problems, recorded.Header("Content-Type") == "application/x-www-form-urlencoded", $"Content-Type {recorded.Header("Content-Type")}");
                var expectedKeys = new[] { "event_name", $"payload[{customerKey}]", $"payload[{valueKey}]", "identifier", "timestamp" };
                Check(problems, form.Keys.Order(StringComparer.Ordinal).SequenceEqual(expectedKeys.Order(StringComparer.Ordinal)), $"fields {string.Join(",", form.Keys)}");
                Check(problems, form.GetValueOrDefault("event_name") == EventName, "event_name");
                Check(problems, form.GetValueOrDefault($"payload[{customerKey}]")?.StartsWith("cus_", StringComparison.Ordinal) == true, "customer id");
                Check(problems, long.TryParse(form.GetValueOrDefault($"payload[{valueKey}]"), NumberStyles.None, CultureInfo.InvariantCulture, out long _), "value is not a whole number");
                Check(problems, long.TryParse(form.GetValueOrDefault("timestamp"), NumberStyles.None, CultureInfo.InvariantCulture, out long _), "timestamp is not unix seconds");
                Check(problems, form.GetValueOrDefault("identifier") is { Length: > 0 and <= 100 }, "identifier length");
                Check(problems, recorded.Header("Idempotency-Key") == form.GetValueOrDefault("identifier"), "Idempotency-Key differs from identifier");
                stripe._requests.Enqueue(new StripeRequest(form, recorded.BodyText, recorded.Header("Idempotency-Key"), recorded.Header("Stripe-Version"), recorded.ArrivedAt));
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

    private sealed record StripeRequest(Dictionary<string, string> Form, string RawBody, string? IdempotencyKey, string? StripeVersion, DateTimeOffset ArrivedAt);
}
