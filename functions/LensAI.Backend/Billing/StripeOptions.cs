using LensAI.Backend.Alerts;

namespace LensAI.Backend.Billing;

/// <summary>
/// Stripe, bound from <c>LensAI:Backend:Stripe</c>: usage-based billing (off until <see cref="ApiKey"/> and
/// <see cref="MeterEventName"/> are set) and the subscription webhook that sets users' tiers (off until
/// <see cref="WebhookSecret"/> is set). <see cref="ToString"/> never prints the key or the secret.
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

    /// <summary>
    /// The signing secret of the webhook endpoint (<c>whsec_…</c>, from the Stripe dashboard) that posts to
    /// <c>POST /v1/stripe/webhook</c>. Never logged. Unset: the endpoint answers 404.
    /// </summary>
    public string? WebhookSecret { get; set; }

    /// <summary>How old a signed webhook may be (its <c>Stripe-Signature</c> timestamp) before it is refused as a replay. Default 5 minutes (Stripe's own default).</summary>
    public TimeSpan WebhookTolerance { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The LensAI project whose users the subscriptions' tiers apply to (a Stripe account's webhook serves one project).</summary>
    public string? WebhookProject { get; set; }

    /// <summary>
    /// Stripe price id (<c>price_…</c>) or product id (<c>prod_…</c>) → tier name (a tier of the project's
    /// <c>default_user_budget</c>, e.g. <c>pro</c>). A subscription's tier is that of its first item whose price or product is listed.
    /// </summary>
    public Dictionary<string, string> Tiers { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The tier of a user whose subscription is deleted, canceled, unpaid or expired. Default <c>free</c>.</summary>
    public string CanceledTier { get; set; } = "free";

    /// <summary>
    /// The subscription metadata key holding the LensAI user id; when absent, the customer is looked up in the project's
    /// customer map (<c>_system/stripe/&lt;project&gt;.json</c>, the one the usage sync reads). Default <c>lensai_user_id</c>.
    /// </summary>
    public string UserMetadataKey { get; set; } = "lensai_user_id";

    /// <summary>True when the subscription webhook is on: a signing secret is set.</summary>
    public bool IsWebhookConfigured => !string.IsNullOrWhiteSpace(WebhookSecret);

    /// <summary>Every problem with the webhook settings, each naming its option; empty when usable.</summary>
    public IReadOnlyList<string> GetWebhookValidationErrors()
    {
        const string p = SectionName + ":";
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(WebhookSecret) || !WebhookSecret.StartsWith("whsec_", StringComparison.Ordinal) || WebhookSecret.Length < 16)
        {
            errors.Add($"{p}WebhookSecret must be the endpoint's signing secret (whsec_…).");
        }

        if (string.IsNullOrWhiteSpace(WebhookProject) || !Keys.ApiKeyStore.IsValidProjectId(WebhookProject))
        {
            errors.Add($"{p}WebhookProject must name the project whose users' tiers the subscriptions set.");
        }

        if (Tiers.Count == 0 || Tiers.Any(t => string.IsNullOrWhiteSpace(t.Key) || string.IsNullOrWhiteSpace(t.Value)))
        {
            errors.Add($"{p}Tiers must map at least one Stripe price or product id to a tier name.");
        }

        if (string.IsNullOrWhiteSpace(CanceledTier))
        {
            errors.Add($"{p}CanceledTier must not be empty.");
        }

        if (string.IsNullOrWhiteSpace(UserMetadataKey))
        {
            errors.Add($"{p}UserMetadataKey must not be empty.");
        }

        if (WebhookTolerance < TimeSpan.FromSeconds(1) || WebhookTolerance > TimeSpan.FromHours(1))
        {
            errors.Add($"{p}WebhookTolerance must be between 1 second and 1 hour.");
        }

        return errors;
    }

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
        $"Stripe (meter event '{MeterEventName}', unit {ValueUnit}, base '{BaseUrl}', key {(string.IsNullOrEmpty(ApiKey) ? "not set" : ApiKey.StartsWith("sk_test_", StringComparison.Ordinal) || ApiKey.StartsWith("rk_test_", StringComparison.Ordinal) ? "test mode" : "set")}, " +
        $"webhook secret {(string.IsNullOrEmpty(WebhookSecret) ? "not set" : "set")})";

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
