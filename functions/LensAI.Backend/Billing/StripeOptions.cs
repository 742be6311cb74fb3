using LensAI.Backend.Alerts;

namespace LensAI.Backend.Billing;

/// <summary>
/// Stripe usage-based billing, bound from <c>LensAI:Backend:Stripe</c>. Off until <see cref="ApiKey"/> and
/// <see cref="MeterEventName"/> are set. <see cref="ToString"/> never prints the key.
/// </summary>
public sealed class StripeOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "LensAI:Backend:Stripe";

    /// <summary>Stripe's API.</summary>
    public const string DefaultBaseUrl = "https://api.stripe.com";

    /// <summary>A secret key (<c>sk_live_…</c>, <c>sk_test_…</c>) or a restricted key (<c>rk_…</c>) allowed to write meter events. Never logged.</summary>
    public string? ApiKey { get; set; }

    /// <summary>The meter's event name (its <c>event_name</c> in Stripe), e.g. <c>llm_cost</c>.</summary>
    public string? MeterEventName { get; set; }

    /// <summary><c>micro_usd</c> (default) or <c>tokens</c>: what <c>payload[value]</c> counts.</summary>
    public string ValueUnit { get; set; } = "micro_usd";

    /// <summary>The payload key of the customer id (the meter's <c>customer_mapping.event_payload_key</c>). Default <c>stripe_customer_id</c>.</summary>
    public string CustomerPayloadKey { get; set; } = "stripe_customer_id";

    /// <summary>The payload key of the value (the meter's <c>value_settings.event_payload_key</c>). Default <c>value</c>.</summary>
    public string ValuePayloadKey { get; set; } = "value";

    /// <summary>The API base (Stripe.net's <c>ApiBase</c>). Default <c>https://api.stripe.com</c>; tests and the samples' stand-in point it at loopback.</summary>
    public string BaseUrl { get; set; } = DefaultBaseUrl;

    /// <summary>
    /// How many times Stripe.net re-sends a request that failed on the network, timed out, or got a 409 or 5xx (or
    /// <c>Stripe-Should-Retry: true</c>), with its own backoff (0.5 s doubling, at most 5 s); also how many times a 429 is
    /// waited out and sent again. Default 2 (Stripe.net's default); 0 to 10.
    /// </summary>
    public int MaxNetworkRetries { get; set; } = 2;

    /// <summary>Time limit of one request (connect, send, answer); a request that outlasts it is retried as a network failure. Default 10 s.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The longest wait for a 429 (Stripe's <c>Retry-After</c>, or Stripe.net's backoff when it sends none) before sending
    /// again. A longer one leaves the event pending for the next run. Default 20 s; zero never waits.
    /// </summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>True when usage can be pushed: a key and an event name.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(ApiKey) && !string.IsNullOrWhiteSpace(MeterEventName);

    /// <summary><see cref="ValueUnit"/> parsed; throws when it is not <c>micro_usd</c> or <c>tokens</c>.</summary>
    public StripeValueUnit ParsedValueUnit => TryParseUnit(ValueUnit, out var unit)
        ? unit
        : throw new InvalidOperationException($"{SectionName}:ValueUnit '{ValueUnit}' is not micro_usd or tokens.");

    /// <summary>Every problem with these options, each naming its option; empty when usable.</summary>
    public IReadOnlyList<string> GetValidationErrors()
    {
        const string p = SectionName + ":";
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(ApiKey))
        {
            errors.Add($"{p}ApiKey is required.");
        }
        else if (!(ApiKey.StartsWith("sk_", StringComparison.Ordinal) || ApiKey.StartsWith("rk_", StringComparison.Ordinal)))
        {
            errors.Add($"{p}ApiKey must be a secret key (sk_…) or a restricted key (rk_…); publishable keys (pk_…) cannot write meter events.");
        }

        if (string.IsNullOrWhiteSpace(MeterEventName))
        {
            errors.Add($"{p}MeterEventName is required (the event name of the meter created in Stripe).");
        }
        else if (MeterEventName.Length > 100)
        {
            errors.Add($"{p}MeterEventName is longer than Stripe's 100 characters.");
        }

        if (!TryParseUnit(ValueUnit, out _))
        {
            errors.Add($"{p}ValueUnit '{ValueUnit}' must be micro_usd or tokens.");
        }

        if (string.IsNullOrWhiteSpace(CustomerPayloadKey) || string.IsNullOrWhiteSpace(ValuePayloadKey))
        {
            errors.Add($"{p}CustomerPayloadKey and {p}ValuePayloadKey must not be empty.");
        }

        if (!AlertsOptions.IsHttpsOrLoopback(BaseUrl, out _))
        {
            errors.Add($"{p}BaseUrl '{BaseUrl}' must be an absolute https URL.");
        }

        if (MaxNetworkRetries is < 0 or > 10)
        {
            errors.Add($"{p}MaxNetworkRetries must be between 0 and 10.");
        }

        if (RequestTimeout <= TimeSpan.Zero || RequestTimeout > TimeSpan.FromMinutes(10))
        {
            errors.Add($"{p}RequestTimeout must be positive and at most 10 minutes.");
        }

        if (MaxRetryAfter < TimeSpan.Zero || MaxRetryAfter > TimeSpan.FromMinutes(10))
        {
            errors.Add($"{p}MaxRetryAfter must be between zero and 10 minutes.");
        }

        return errors;
    }

    /// <summary>Throws an <see cref="ArgumentException"/> listing every problem.</summary>
    public void Validate()
    {
        var errors = GetValidationErrors();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid Stripe options: " + string.Join(" ", errors));
        }
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"Stripe (meter event '{MeterEventName}', unit {ValueUnit}, base '{BaseUrl}', key {(string.IsNullOrEmpty(ApiKey) ? "not set" : ApiKey.StartsWith("sk_test_", StringComparison.Ordinal) || ApiKey.StartsWith("rk_test_", StringComparison.Ordinal) ? "test mode" : "set")})";

    private static bool TryParseUnit(string? value, out StripeValueUnit unit)
    {
        switch (value?.Trim().ToUpperInvariant())
        {
            case "MICRO_USD" or "MICROUSD":
                unit = StripeValueUnit.MicroUsd;
                return true;
            case "TOKENS":
                unit = StripeValueUnit.Tokens;
                return true;
            default:
                unit = default;
                return false;
        }
    }
}
