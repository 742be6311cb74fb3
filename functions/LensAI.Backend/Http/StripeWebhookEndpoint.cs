using System.Text;
using LensAI.Backend.Billing;
using Microsoft.AspNetCore.Http;
using Stripe;

namespace LensAI.Backend.Http;

/// <summary>
/// <c>POST /v1/stripe/webhook</c>: Stripe's subscription events. No API key: the <c>Stripe-Signature</c> header is the
/// check (HMAC-SHA256 with the endpoint's signing secret over the timestamp and the raw body, verified by Stripe.net's
/// <see cref="EventUtility.ConstructEvent(string, string, string, long, long, bool)"/> against this server's clock, the
/// timestamp within <see cref="StripeOptions.WebhookTolerance"/>). A bad or missing signature or a too-old timestamp is
/// a 400 and changes nothing; a verified event is applied by <see cref="StripeTierSync"/> once per event id and
/// answered 200 (also for a replay or an event that changes nothing, so Stripe stops retrying). Body limit 1 MiB; rate
/// limited in a bucket of its own.
/// </summary>
internal sealed class StripeWebhookEndpoint(StripeOptions options, StripeTierSync sync, ApiKeyGuard guard, TimeProvider time)
{
    /// <summary>The rate limiter bucket the webhook draws from (not any key's).</summary>
    public const string Bucket = "stripe-webhook";

    /// <summary>Handles one request.</summary>
    public async Task<IResult> PostAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (guard.Throttle(Bucket) is { } throttled)
        {
            return throttled;
        }

        byte[] body;
        try
        {
            body = await RequestBody.ReadAllAsync(http.Request, RequestBody.MaxSmallBodyBytes, http.RequestAborted).ConfigureAwait(false);
        }
        catch (RequestBodyTooLargeException)
        {
            return RequestBody.TooLarge(RequestBody.MaxSmallBodyBytes);
        }

        if (!options.IsWebhookConfigured)
        {
            return Problems.Of(404, "stripe-webhook-not-configured", "Stripe webhook is not configured", "Set LensAI:Backend:Stripe:WebhookSecret, WebhookProject and Tiers to accept Stripe subscription events.");
        }

        string json;
        try
        {
            json = new UTF8Encoding(false, true).GetString(body);
        }
        catch (DecoderFallbackException)
        {
            return Problems.Of(400, "bad-stripe-payload", "Bad Stripe payload", "The body is not UTF-8 JSON.");
        }

        Event stripeEvent;
        try
        {
            stripeEvent = EventUtility.ConstructEvent(json, http.Request.Headers["Stripe-Signature"].ToString(), options.WebhookSecret!,
                (long)options.WebhookTolerance.TotalSeconds, time.GetUtcNow().ToUnixTimeSeconds(), throwOnApiVersionMismatch: false);
        }
        catch (StripeException ex)
        {
            return Problems.Of(400, "bad-stripe-signature", "Invalid Stripe signature", Problems.Clip(ex.Message));
        }
#pragma warning disable CA1031 // A validly signed body Stripe.net cannot read is the sender's problem: a 400, never a 500.
        catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
        {
            return Problems.Of(400, "bad-stripe-payload", "Bad Stripe payload", "The signed body is not a Stripe event.");
        }

        var outcome = await sync.ApplyAsync(stripeEvent, http.RequestAborted).ConfigureAwait(false);
        return Results.Json(new Dictionary<string, string?>
        {
            ["received"] = "true",
            ["event_id"] = stripeEvent.Id,
            ["outcome"] = outcome.Outcome,
            ["detail"] = outcome.Detail,
            ["user"] = outcome.User,
            ["tier"] = outcome.Tier,
        });
    }
}
