namespace LensAI.Backend.Alerts;

/// <summary>One attempt's classification.</summary>
internal sealed record AttemptOutcome(AttemptKind Kind, string Message)
{
    public int? StatusCode { get; init; }

    public string? ErrorCode { get; init; }

    public TimeSpan? RetryAfter { get; init; }

    /// <summary>A channel-specific value from a successful answer (Slack's message <c>ts</c>) or a parsed error.</summary>
    public object? Value { get; init; }
}
