namespace LensAI.Backend.Alerts;

/// <summary>How one HTTP attempt ended, as the channel's classifier reads the answer.</summary>
internal enum AttemptKind
{
    /// <summary>Accepted.</summary>
    Success,

    /// <summary>Worth retrying: 429, 5xx, <c>ratelimited</c>, network trouble, a timeout.</summary>
    Transient,

    /// <summary>Refused for good: retrying the same request will not help.</summary>
    Permanent,

    /// <summary>An answer that does not say whether the message went out: not retried now, left for the next run.</summary>
    Ambiguous,
}
