using System.Globalization;

namespace LensAI.Backend.Alerts;

/// <summary>
/// How an outbound delivery (Slack, the JSON webhook) retries: bounded attempts, exponential
/// backoff with jitter, <c>Retry-After</c> honoured up to <see cref="MaxRetryAfter"/>, a time limit per attempt and an
/// overall deadline per delivery. Bound as <c>…:Retry</c> under each channel's section.
/// </summary>
public sealed class DeliveryRetryOptions
{
    /// <summary>Default <see cref="MaxAttempts"/>: 4 (the first try and three retries).</summary>
    public const int DefaultMaxAttempts = 4;

    /// <summary>Attempts per delivery, the first one included (1 = no retry). Default 4.</summary>
    public int MaxAttempts { get; set; } = DefaultMaxAttempts;

    /// <summary>Median delay before the first retry; later ones grow exponentially, with jitter. Default 1 s.</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Cap on a computed backoff delay. Default 10 s.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The longest <c>Retry-After</c> waited for inside one delivery. A longer one (or one past the overall deadline)
    /// ends the delivery at once with <see cref="AlertDeliveryStatus.RetryLater"/> and the server's delay in
    /// <see cref="AlertDeliveryResult.RetryAfter"/>, so the next job run picks it up. Default 20 s.
    /// </summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Time limit of one attempt (connect, send, answer). Default 10 s.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Overall deadline of one delivery, retries and waits included. Default 30 s.</summary>
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Jitter source for tests (<c>() =&gt; 1</c> pins it); null: Polly's default randomizer.</summary>
    internal Func<double>? Randomizer { get; set; }

    /// <summary>Adds every problem with these options to <paramref name="errors"/>, each naming its option under <paramref name="prefix"/>.</summary>
    public void AddValidationErrors(List<string> errors, string prefix)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (MaxAttempts is < 1 or > 20)
        {
            errors.Add($"{prefix}MaxAttempts must be between 1 and 20 (was {MaxAttempts.ToString(CultureInfo.InvariantCulture)}).");
        }

        Check(errors, prefix + "BaseDelay", BaseDelay, TimeSpan.Zero, TimeSpan.FromMinutes(1), allowZero: true);
        Check(errors, prefix + "MaxDelay", MaxDelay, TimeSpan.Zero, TimeSpan.FromMinutes(5), allowZero: true);
        Check(errors, prefix + "MaxRetryAfter", MaxRetryAfter, TimeSpan.Zero, TimeSpan.FromMinutes(10), allowZero: true);
        Check(errors, prefix + "AttemptTimeout", AttemptTimeout, TimeSpan.FromMilliseconds(10), TimeSpan.FromHours(24), allowZero: false);
        Check(errors, prefix + "TotalTimeout", TotalTimeout, TimeSpan.FromMilliseconds(10), TimeSpan.FromHours(24), allowZero: false);
        if (TotalTimeout < AttemptTimeout)
        {
            errors.Add($"{prefix}TotalTimeout ({TotalTimeout}) must not be shorter than {prefix}AttemptTimeout ({AttemptTimeout}).");
        }
    }

    /// <summary>A copy (so a client keeps the values it was built with).</summary>
    internal DeliveryRetryOptions Clone() => (DeliveryRetryOptions)MemberwiseClone();

    private static void Check(List<string> errors, string name, TimeSpan value, TimeSpan min, TimeSpan max, bool allowZero)
    {
        if ((allowZero ? value < TimeSpan.Zero : value < min) || value > max)
        {
            errors.Add($"{name} must be between {(allowZero ? TimeSpan.Zero : min)} and {max} (was {value}).");
        }
    }
}
