namespace LensAI.Backend.Alerts;

/// <summary>What became of one delivery.</summary>
internal enum AlertDeliveryStatus
{
    /// <summary>The receiver accepted it (Slack answered <c>ok</c>, the webhook a 2xx).</summary>
    Delivered,

    /// <summary>
    /// A transient failure (429, 5xx, network, timeout, an ambiguous answer) that outlasted this delivery's retries or
    /// deadline. Keep the alert pending; the next run sends it again.
    /// </summary>
    RetryLater,

    /// <summary>
    /// The receiver refused it for a reason retrying will not fix (4xx, <c>invalid_auth</c>, <c>channel_not_found</c>…).
    /// Keep the alert pending and tell an operator: <see cref="AlertDeliveryResult.Message"/> says what is wrong.
    /// </summary>
    Failed,
}
