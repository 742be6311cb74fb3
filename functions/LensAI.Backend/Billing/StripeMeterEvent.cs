namespace LensAI.Backend.Billing;

/// <summary>One usage record for a Stripe billing meter.</summary>
/// <param name="CustomerId">The Stripe customer id (<c>cus_…</c>), sent as <c>payload[stripe_customer_id]</c>.</param>
/// <param name="Value">The usage: micro-dollars or tokens (see <see cref="StripeOptions.ValueUnit"/>), sent as <c>payload[value]</c>.</param>
/// <param name="Identifier">Stable id for dedupe (see <see cref="StripeMeterClient.CreateIdentifier"/>), also the <c>Idempotency-Key</c>.</param>
/// <param name="Timestamp">When the usage happened (the hour's start); sent as unix seconds.</param>
/// <param name="EventName">The meter's event name; null uses <see cref="StripeOptions.MeterEventName"/>.</param>
internal sealed record StripeMeterEvent(string CustomerId, long Value, string Identifier, DateTimeOffset Timestamp, string? EventName = null);
