using System.Collections.Concurrent;
using System.Text;
using LensAI.Backend.Storage;
using LensAI.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace LensAI.Functions.Tests;

/// <summary>The Stripe usage sync against a local server that checks requests the way the Meter Events API does.</summary>
public sealed class StripeSyncTests
{
    /// <summary>
    /// A stand-in for Stripe's /v1/billing/meter_events: checks auth, form fields and the headers Stripe.net sends
    /// (its pinned Stripe-Version, the identifier as Idempotency-Key), refuses unknown customers the way Stripe does,
    /// and dedupes by identifier.
    /// </summary>
    internal sealed class StripeStub : IAsyncDisposable
    {
        private readonly LoopbackServer _server;
        private readonly IReadOnlySet<string> _unknownCustomers;

        private StripeStub(LoopbackServer server, IReadOnlySet<string> unknownCustomers) => (_server, _unknownCustomers) = (server, unknownCustomers);

        public ConcurrentDictionary<string, (string Customer, long Value, long Timestamp)> Events { get; } = new();

        public ConcurrentBag<string> Problems { get; } = [];

        public int Requests;

        public Uri BaseAddress => _server.BaseAddress;

        public static async Task<StripeStub> StartAsync(params string[] unknownCustomers)
        {
            StripeStub? stub = null;
            var server = await LoopbackServer.StartAsync(ctx => stub!.HandleAsync(ctx));
            return stub = new StripeStub(server, unknownCustomers.ToHashSet(StringComparer.Ordinal));
        }

        private async Task HandleAsync(HttpContext ctx)
        {
            Interlocked.Increment(ref Requests);
            if (ctx.Request.Path != "/v1/billing/meter_events" || ctx.Request.Headers.Authorization != "Bearer sk_test_lensai")
            {
                Problems.Add($"{ctx.Request.Path} {ctx.Request.Headers.Authorization}");
                ctx.Response.StatusCode = 401;
                await ctx.Response.WriteAsync("""{"error":{"type":"invalid_request_error","message":"Invalid API Key provided"}}""");
                return;
            }

            if (ctx.Request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.Ordinal) != true)
            {
                Problems.Add("content type " + ctx.Request.ContentType);
            }

            using var reader = new StreamReader(ctx.Request.Body, Encoding.UTF8);
            var form = QueryHelpers.ParseQuery(await reader.ReadToEndAsync());
            var identifier = form["identifier"].ToString();
            if (form["event_name"] != "lensai_cost" || string.IsNullOrEmpty(identifier) || ctx.Request.Headers["Idempotency-Key"] != identifier)
            {
                Problems.Add("fields " + string.Join('&', form.Select(kv => kv.Key + "=" + kv.Value)));
            }

            if (ctx.Request.Headers["Stripe-Version"] != Stripe.StripeConfiguration.ApiVersion)
            {
                Problems.Add("Stripe-Version " + ctx.Request.Headers["Stripe-Version"]);
            }

            var customer = form["payload[stripe_customer_id]"].ToString();
            if (_unknownCustomers.Contains(customer))
            {
                ctx.Response.StatusCode = 400;
                ctx.Response.ContentType = "application/json";
                await ctx.Response.WriteAsync($$$"""{"error":{"type":"invalid_request_error","code":"resource_missing","message":"No such customer: '{{{customer}}}'","param":"payload[stripe_customer_id]"}}""");
                return;
            }

            // Stripe keeps the first event for an identifier; a re-send is not a second event.
            Events.TryAdd(identifier, (customer, long.Parse(form["payload[value]"].ToString(), System.Globalization.CultureInfo.InvariantCulture), long.Parse(form["timestamp"].ToString(), System.Globalization.CultureInfo.InvariantCulture)));
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync($$"""{"object":"billing.meter_event","identifier":"{{identifier}}"}""");
        }

        public ValueTask DisposeAsync() => _server.DisposeAsync();
    }

    [Fact]
    public async Task Usage_reaches_stripe_once_per_customer_and_hour_across_two_runs_and_a_crash_between()
    {
        await using var stripe = await StripeStub.StartAsync();
        FaultyWatermark? store = null;
        await using var backend = await TestBackend.StartAsync(
            store: path => store = new FaultyWatermark(new LocalFolderStore(path)),
            settings: new()
            {
                ["LensAI:Backend:Stripe:ApiKey"] = "sk_test_lensai",
                ["LensAI:Backend:Stripe:MeterEventName"] = "lensai_cost",
                ["LensAI:Backend:Stripe:BaseUrl"] = stripe.BaseAddress.AbsoluteUri,
            });
        var key = await backend.CreateKeyAsync("acme");
        await backend.Store.PutAsync("_system/stripe/acme.json", """{"users":{"u1":"cus_A"}}"""u8.ToArray(), CancellationToken.None);

        var hour = CurrentHour();
        var twoHoursAgo = hour.AddHours(-2).AddMinutes(10);
        var threeHoursAgo = hour.AddHours(-3).AddMinutes(20);
        var events = new List<UsageEvent>
        {
            Batches.Event(ts: threeHoursAgo, userId: "u1"),
            Batches.Event(ts: threeHoursAgo.AddMinutes(5), userId: "u1"),
            Batches.Event(ts: twoHoursAgo, userId: "u1"),
            WithCustomer(Batches.Event(ts: twoHoursAgo, userId: "u2"), "cus_B"),
            Batches.Event(ts: twoHoursAgo, userId: "u3"), // no customer: not billed
        };
        using (var http = backend.Client(key))
        {
            Assert.Equal(200, (await Batches.PostAsync(http, Batches.Content(Batches.Json(events)))).Status);
        }

        var costs = (await backend.QueryAsync("acme", "SELECT user_id, date_trunc('hour', ts) AS h, CAST(sum(cost_usd) AS DECIMAL(38,9)) AS c FROM {events} GROUP BY ALL"))
            .ToDictionary(r => ((string)r["user_id"]!, (DateTimeOffset)r["h"]!), r => (decimal)r["c"]!);

        store!.FailWatermarkWrites = 1; // run 1 delivers everything, then "crashes" before recording its progress
        await Assert.ThrowsAsync<ObjectStoreException>(() => backend.Jobs.RunAsync("stripe-sync", CancellationToken.None));
        var afterCrash = stripe.Requests;
        await backend.Jobs.RunAsync("stripe-sync", CancellationToken.None); // run 2 re-sends: same identifiers
        await backend.Jobs.RunAsync("stripe-sync", CancellationToken.None); // run 3: nothing new

        Assert.Empty(stripe.Problems);
        Assert.Equal(3, stripe.Events.Count);
        Assert.Equal(2 * afterCrash, stripe.Requests); // run 2 re-sent exactly what run 1 sent; run 3 sent nothing
        Assert.Equal(
            new[]
            {
                ($"acme:cus_A:{threeHoursAgo:yyyyMMddHH}", "cus_A", ToMicro(costs[("u1", Hour(threeHoursAgo))])),
                ($"acme:cus_A:{twoHoursAgo:yyyyMMddHH}", "cus_A", ToMicro(costs[("u1", Hour(twoHoursAgo))])),
                ($"acme:cus_B:{twoHoursAgo:yyyyMMddHH}", "cus_B", ToMicro(costs[("u2", Hour(twoHoursAgo))])),
            }.Order(),
            stripe.Events.Select(e => (e.Key, e.Value.Customer, e.Value.Value)).Order());
    }

    [Fact]
    public async Task A_customers_hour_is_one_meter_event_with_the_whole_value_whatever_else_the_calls_carry()
    {
        // Regression: GROUP BY ALL grouped by every column the customer expression touched (the whole metadata map),
        // so calls with different metadata split one (customer, hour) into rows with the same identifier, and Stripe
        // kept only the first: the customer was under-billed.
        await using var stripe = await StripeStub.StartAsync();
        await using var backend = await TestBackend.StartAsync(settings: new()
        {
            ["LensAI:Backend:Stripe:ApiKey"] = "sk_test_lensai",
            ["LensAI:Backend:Stripe:MeterEventName"] = "lensai_cost",
            ["LensAI:Backend:Stripe:BaseUrl"] = stripe.BaseAddress.AbsoluteUri,
        });
        var key = await backend.CreateKeyAsync("acme");
        await backend.Store.PutAsync("_system/stripe/acme.json", """{"users":{"u1":"cus_A"}}"""u8.ToArray(), CancellationToken.None); // u9 pays through metadata
        var hour = CurrentHour().AddHours(-2);
        var events = Enumerable.Range(0, 3).Select(i =>
        {
            return WithCustomer(Batches.Event(ts: hour.AddMinutes(5 + i), userId: "u9", tokensIn: 1000 * (i + 1)), "cus_C", ("conversation_id", "c" + i));
        }).ToList();
        using (var http = backend.Client(key))
        {
            Assert.Equal(200, (await Batches.PostAsync(http, Batches.Content(Batches.Json(events)))).Status);
        }

        var total = (decimal)(await backend.QueryAsync("acme", "SELECT CAST(sum(cost_usd) AS DECIMAL(38,9)) AS c FROM {events}")).Single()["c"]!;
        await backend.Jobs.RunAsync("stripe-sync", CancellationToken.None);

        Assert.Empty(stripe.Problems);
        var sent = Assert.Single(stripe.Events);
        Assert.Equal($"acme:cus_C:{hour:yyyyMMddHH}", sent.Key);
        Assert.Equal(ToMicro(total), sent.Value.Value);
    }

    [Fact]
    public async Task A_customer_stripe_refuses_is_recorded_with_stripes_message_and_the_others_are_billed()
    {
        await using var stripe = await StripeStub.StartAsync("cus_gone");
        await using var backend = await TestBackend.StartAsync(settings: new()
        {
            ["LensAI:Backend:Stripe:ApiKey"] = "sk_test_lensai",
            ["LensAI:Backend:Stripe:MeterEventName"] = "lensai_cost",
            ["LensAI:Backend:Stripe:BaseUrl"] = stripe.BaseAddress.AbsoluteUri,
        });
        var key = await backend.CreateKeyAsync("acme");
        await backend.Store.PutAsync("_system/stripe/acme.json", """{"users":{"u1":"cus_A","u2":"cus_gone"}}"""u8.ToArray(), CancellationToken.None);
        var hour = CurrentHour().AddHours(-2);
        using (var http = backend.Client(key))
        {
            var events = new[] { Batches.Event(ts: hour.AddMinutes(5), userId: "u1"), Batches.Event(ts: hour.AddMinutes(6), userId: "u2") };
            Assert.Equal(200, (await Batches.PostAsync(http, Batches.Content(Batches.Json(events)))).Status);
        }

        await backend.Jobs.RunAsync("stripe-sync", CancellationToken.None);
        await backend.Jobs.RunAsync("stripe-sync", CancellationToken.None); // a refused event is not sent again

        Assert.Empty(stripe.Problems);
        Assert.Equal($"acme:cus_A:{hour:yyyyMMddHH}", Assert.Single(stripe.Events).Key);
        Assert.Equal(2, stripe.Requests);
        using var watermark = System.Text.Json.JsonDocument.Parse((await backend.Store.GetAsync("_system/stripe/acme-watermark.json", CancellationToken.None))!.Content);
        var error = Assert.Single(watermark.RootElement.GetProperty("last_errors").EnumerateArray()).GetString();
        Assert.Equal($"Stripe meter event acme:cus_gone:{hour:yyyyMMddHH} (customer cus_gone): HTTP 400 invalid_request_error resource_missing: " +
            "No such customer: 'cus_gone' (param payload[stripe_customer_id])", error);
    }

    /// <summary>The start of the current UTC hour, from one reading of the clock (two readings can straddle midnight).</summary>
    private static DateTimeOffset CurrentHour() => Hour(DateTimeOffset.UtcNow);

    private static long ToMicro(decimal usd) => (long)Math.Round(usd * 1_000_000m, MidpointRounding.AwayFromZero);

    private static DateTimeOffset Hour(DateTimeOffset t) => new(t.UtcTicks - (t.UtcTicks % TimeSpan.TicksPerHour), TimeSpan.Zero);

    private static UsageEvent WithCustomer(UsageEvent e, string customer, (string Key, string Value)? extra = null) => new()
    {
        EventId = e.EventId, Timestamp = e.Timestamp, UserId = e.UserId, Route = e.Route, Provider = e.Provider, Model = e.Model, Operation = e.Operation,
        TokensIn = e.TokensIn, TokensOut = e.TokensOut, TokensCachedIn = e.TokensCachedIn, LatencyMs = e.LatencyMs, Status = e.Status, HttpStatus = e.HttpStatus, Sdk = e.Sdk,
        Metadata = extra is { } x
            ? new Dictionary<string, string> { ["stripe_customer_id"] = customer, [x.Key] = x.Value }
            : new Dictionary<string, string> { ["stripe_customer_id"] = customer },
    };

    private sealed class FaultyWatermark(IObjectStore inner) : IObjectStore
    {
        public int FailWatermarkWrites { get; set; }

        public string Kind => inner.Kind;

        public Task PutFileAsync(string key, string localPath, CancellationToken cancellationToken) => inner.PutFileAsync(key, localPath, cancellationToken);

        public Task PutAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) => inner.PutAsync(key, content, cancellationToken);

        public Task<string?> PutConditionalAsync(string key, ReadOnlyMemory<byte> content, string? ifMatchETag, CancellationToken cancellationToken)
            => key.Contains("watermark", StringComparison.Ordinal) && FailWatermarkWrites-- > 0
                ? throw new ObjectStoreException("simulated crash before the watermark was written")
                : inner.PutConditionalAsync(key, content, ifMatchETag, cancellationToken);

        public Task<StoredObject?> GetAsync(string key, CancellationToken cancellationToken) => inner.GetAsync(key, cancellationToken);

        public Task<bool> DownloadToFileAsync(string key, string localPath, CancellationToken cancellationToken) => inner.DownloadToFileAsync(key, localPath, cancellationToken);

        public IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, CancellationToken cancellationToken) => inner.ListAsync(prefix, cancellationToken);

        public Task DeleteAsync(string key, CancellationToken cancellationToken) => inner.DeleteAsync(key, cancellationToken);
    }
}
