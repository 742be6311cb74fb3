using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;

namespace LensAI.Samples.ChatBilling;

/// <summary>One meter event as <see cref="LocalStripe"/> received it.</summary>
/// <param name="Identifier">The event's <c>identifier</c> (also its <c>Idempotency-Key</c>).</param>
/// <param name="EventName">The meter's <c>event_name</c>.</param>
/// <param name="CustomerId"><c>payload[stripe_customer_id]</c>.</param>
/// <param name="Value"><c>payload[value]</c>.</param>
/// <param name="Timestamp"><c>timestamp</c>, unix seconds.</param>
public sealed record ReceivedMeterEvent(string Identifier, string EventName, string CustomerId, long Value, DateTimeOffset Timestamp);

/// <summary>
/// LOCAL STAND-IN for Stripe's Billing Meter Events API, on 127.0.0.1 — used when <c>STRIPE_API_KEY</c> is not set, so
/// the sample shows the push without a Stripe account. It checks what Stripe checks for
/// <c>POST /v1/billing/meter_events</c> (a secret key, a form body with <c>event_name</c>,
/// <c>payload[stripe_customer_id]</c>, a whole non-negative <c>payload[value]</c>, <c>identifier</c>, <c>timestamp</c>;
/// a known customer) and answers the way Stripe does: the meter event object, or Stripe's error object with 400/401.
/// Like Stripe it keeps the first event for an identifier: a re-send of the same identifier is not a second event.
/// It stores nothing on disk and bills nobody.
/// </summary>
public sealed class LocalStripe : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _apiKey;
    private readonly IReadOnlySet<string> _customers;
    private readonly ConcurrentDictionary<string, ReceivedMeterEvent> _events = new(StringComparer.Ordinal);
    private int _requests;

    private LocalStripe(WebApplication app, string apiKey, IReadOnlySet<string> customers)
    {
        _app = app;
        _apiKey = apiKey;
        _customers = customers;
        BaseUrl = new Uri(app.Urls.First().TrimEnd('/') + "/");
    }

    /// <summary>The API base to configure as <c>LensAI:Backend:Stripe:BaseUrl</c>.</summary>
    public Uri BaseUrl { get; }

    /// <summary>The meter events accepted, one per identifier.</summary>
    public IReadOnlyList<ReceivedMeterEvent> Events => [.. _events.Values.OrderBy(e => e.Identifier, StringComparer.Ordinal)];

    /// <summary>Requests answered, re-sends and refusals included.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Starts it, accepting <paramref name="apiKey"/> and events for <paramref name="customers"/> only.</summary>
    public static async Task<LocalStripe> StartAsync(string apiKey, IEnumerable<string> customers)
    {
        ArgumentException.ThrowIfNullOrEmpty(apiKey);
        ArgumentNullException.ThrowIfNull(customers);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(System.Net.IPAddress.Loopback, 0));
        var app = builder.Build();
        LocalStripe? stripe = null;
        app.MapPost("/v1/billing/meter_events", (Func<HttpContext, Task<IResult>>)(context => stripe!.MeterEventAsync(context)));
        await app.StartAsync();
        stripe = new LocalStripe(app, apiKey, customers.ToHashSet(StringComparer.Ordinal));
        return stripe;
    }

    private async Task<IResult> MeterEventAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        if (context.Request.Headers.Authorization != "Bearer " + _apiKey)
        {
            return Error(401, "invalid_request_error", null, "Invalid API Key provided.", null);
        }

        if (context.Request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.Ordinal) != true)
        {
            return Error(400, "invalid_request_error", null, "Stripe's API takes form-encoded bodies (application/x-www-form-urlencoded).", null);
        }

        using var reader = new StreamReader(context.Request.Body);
        var form = QueryHelpers.ParseQuery(await reader.ReadToEndAsync(context.RequestAborted));
        string Field(string name) => form.TryGetValue(name, out var value) ? value.ToString() : "";
        foreach (var required in new[] { "event_name", "payload[stripe_customer_id]", "payload[value]", "identifier", "timestamp" })
        {
            if (Field(required).Length == 0)
            {
                return Error(400, "invalid_request_error", "parameter_missing", $"Missing required param: {required}.", required);
            }
        }

        var identifier = Field("identifier");
        if (context.Request.Headers["Idempotency-Key"] != identifier)
        {
            return Error(400, "invalid_request_error", null, "This sample expects the Idempotency-Key to equal the identifier (LensAI always sends both).", "identifier");
        }

        if (!long.TryParse(Field("payload[value]"), NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            return Error(400, "invalid_request_error", null, "payload[value] must be a whole non-negative number.", "payload[value]");
        }

        if (!long.TryParse(Field("timestamp"), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return Error(400, "invalid_request_error", null, "Invalid integer: timestamp.", "timestamp");
        }

        var customer = Field("payload[stripe_customer_id]");
        if (!_customers.Contains(customer))
        {
            return Error(400, "invalid_request_error", "resource_missing", $"No such customer: '{customer}'", "payload[stripe_customer_id]");
        }

        var received = _events.GetOrAdd(identifier, new ReceivedMeterEvent(identifier, Field("event_name"), customer, value, DateTimeOffset.FromUnixTimeSeconds(seconds)));
        return Results.Json(new Dictionary<string, object>
        {
            ["object"] = "billing.meter_event",
            ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["event_name"] = received.EventName,
            ["identifier"] = received.Identifier,
            ["livemode"] = false,
            ["payload"] = new Dictionary<string, string>
            {
                ["stripe_customer_id"] = received.CustomerId,
                ["value"] = received.Value.ToString(CultureInfo.InvariantCulture),
            },
            ["timestamp"] = received.Timestamp.ToUnixTimeSeconds(),
        });
    }

    private static IResult Error(int status, string type, string? code, string message, string? param)
    {
        var error = new Dictionary<string, string?> { ["type"] = type, ["message"] = message };
        if (code is not null)
        {
            error["code"] = code;
        }

        if (param is not null)
        {
            error["param"] = param;
        }

        return Results.Content(JsonSerializer.Serialize(new Dictionary<string, object> { ["error"] = error }), "application/json", statusCode: status);
    }

    /// <summary>Stops it.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
