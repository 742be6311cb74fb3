using Stripe;

namespace LensAI.Backend.Billing;

/// <summary>The outcome of a meter event send. Expected failures come back here, never as exceptions.</summary>
/// <param name="Status">Delivered, retry later, or failed.</param>
/// <param name="Message">What happened, naming the identifier and the customer; for a Stripe refusal it carries Stripe's own message.</param>
/// <param name="HttpStatus">The last HTTP status, if any answer came.</param>
/// <param name="Error">Stripe's error object, when it sent one.</param>
internal sealed record StripeMeterEventResult(MeterEventStatus Status, string Message, int? HttpStatus = null, StripeError? Error = null)
{
    /// <summary>True when <see cref="Status"/> is <see cref="MeterEventStatus.Delivered"/>.</summary>
    public bool IsDelivered => Status == MeterEventStatus.Delivered;
}
