namespace LensAI.Backend.Alerts;

/// <summary>
/// The outcome of a delivery. Expected failures come back here, never as exceptions; the message never carries a
/// webhook URL, token or secret.
/// </summary>
/// <param name="Status">Delivered, retry later, or failed.</param>
/// <param name="Message">What happened, for logs and the operator (<c>"Slack chat.postMessage: channel_not_found"</c>).</param>
/// <param name="Attempts">Requests made (1 when the first one settled it).</param>
/// <param name="HttpStatus">The last HTTP status seen, if any answer came.</param>
/// <param name="ErrorCode">The receiver's own error code (<c>invalid_auth</c>, <c>no_service</c>…), if it gave one.</param>
/// <param name="RetryAfter">The receiver's <c>Retry-After</c> when it ended the delivery (rate limited past the cap).</param>
/// <param name="MessageId">Slack's message <c>ts</c> from <c>chat.postMessage</c> (for a later <c>chat.update</c>).</param>
internal sealed record AlertDeliveryResult(
    AlertDeliveryStatus Status,
    string Message,
    int Attempts,
    int? HttpStatus = null,
    string? ErrorCode = null,
    TimeSpan? RetryAfter = null,
    string? MessageId = null)
{
    /// <summary>True when <see cref="Status"/> is <see cref="AlertDeliveryStatus.Delivered"/>.</summary>
    public bool IsDelivered => Status == AlertDeliveryStatus.Delivered;

    internal static AlertDeliveryResult From(DeliveryOutcome outcome, string? messageId = null)
    {
        var last = outcome.Last;
        var status = last.Kind switch
        {
            AttemptKind.Success => AlertDeliveryStatus.Delivered,
            AttemptKind.Permanent => AlertDeliveryStatus.Failed,
            _ => AlertDeliveryStatus.RetryLater,
        };
        return new AlertDeliveryResult(status, outcome.Message, outcome.Attempts, last.StatusCode, last.ErrorCode, last.RetryAfter, messageId ?? last.Value as string);
    }
}
