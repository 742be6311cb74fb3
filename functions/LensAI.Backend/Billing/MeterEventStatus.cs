namespace LensAI.Backend.Billing;

/// <summary>What became of one meter event.</summary>
internal enum MeterEventStatus
{
    /// <summary>Stripe accepted it (200), or answered the stored 200 of an earlier send with the same <c>Idempotency-Key</c>.</summary>
    Delivered,

    /// <summary>429, 409, 5xx, network trouble, a timeout or an unreadable answer outlasted the retries: keep it pending, send it next run.</summary>
    RetryLater,

    /// <summary>Stripe refused it (400, 401, 402, 403, 404…) or it cannot be sent (too old): <see cref="StripeMeterEventResult.Message"/> says why.</summary>
    Failed,
}
