namespace LensAI.Backend.Alerts;

/// <summary>
/// The generic JSON webhook, bound from <c>LensAI:Backend:Alerts:Webhook</c>: each alert is POSTed to
/// <see cref="Url"/>, signed with <see cref="Secret"/> (<c>X-LensAI-Signature</c>). <see cref="ToString"/> never prints a secret.
/// </summary>
public sealed class WebhookOptions
{
    /// <summary>The receiver (https, or http on loopback). May carry a token in its path or query: never logged.</summary>
    public string? Url { get; set; }

    /// <summary>The shared HMAC secret (at least 16 characters). A secret: never logged.</summary>
    public string? Secret { get; set; }

    /// <summary>Retries, timeouts and deadline (<c>…:Webhook:Retry</c>).</summary>
    public DeliveryRetryOptions Retry { get; set; } = new();

    /// <summary>True when a URL is set.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(Url);

    /// <summary>Adds every problem to <paramref name="errors"/>, each naming its option under <paramref name="prefix"/>.</summary>
    public void AddValidationErrors(List<string> errors, string prefix)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (string.IsNullOrWhiteSpace(Url))
        {
            errors.Add($"{prefix}Url is required to send webhook alerts.");
        }
        else if (!AlertsOptions.IsHttpsOrLoopback(Url, out _))
        {
            errors.Add($"{prefix}Url must be an absolute https URL.");
        }

        if (string.IsNullOrEmpty(Secret) || Secret.Length < 16)
        {
            errors.Add($"{prefix}Secret is required and must be at least 16 characters (receivers verify X-LensAI-Signature with it).");
        }

        Retry.AddValidationErrors(errors, prefix + "Retry:");
    }

    /// <summary>Throws an <see cref="ArgumentException"/> listing every problem.</summary>
    public void Validate(string prefix = AlertsOptions.SectionName + ":Webhook:")
    {
        var errors = new List<string>();
        AddValidationErrors(errors, prefix);
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid webhook options: " + string.Join(" ", errors));
        }
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"Webhook ({(IsConfigured && Uri.TryCreate(Url, UriKind.Absolute, out var uri) ? "host " + uri.Host : "not configured")}, " +
        $"secret {(string.IsNullOrEmpty(Secret) ? "not set" : "set")})";
}
