namespace LensAI.Backend.Alerts;

/// <summary>
/// Slack, bound from <c>LensAI:Backend:Alerts:Slack</c>: either an incoming webhook (<see cref="WebhookUrl"/>) or a
/// bot token and channel (<see cref="BotToken"/> + <see cref="Channel"/>, sent with <c>chat.postMessage</c>); the bot
/// token wins when both are set. <see cref="SigningSecret"/> verifies the button clicks Slack posts back.
/// <see cref="ToString"/> never prints a secret.
/// </summary>
public sealed class SlackOptions
{
    /// <summary>Slack's Web API base.</summary>
    public const string DefaultApiBaseUrl = "https://slack.com/api/";

    /// <summary>Where Slack's <c>response_url</c>s live.</summary>
    public const string DefaultResponseUrlBase = "https://hooks.slack.com/";

    /// <summary>An incoming webhook URL (<c>https://hooks.slack.com/services/…</c>). A secret: never logged.</summary>
    public string? WebhookUrl { get; set; }

    /// <summary>A bot token (<c>xoxb-…</c>) with the <c>chat:write</c> scope. A secret: never logged.</summary>
    public string? BotToken { get; set; }

    /// <summary>The channel <c>chat.postMessage</c> posts to: an id (<c>C0123ABCD</c>) or a name (<c>#budgets</c>).</summary>
    public string? Channel { get; set; }

    /// <summary>The app's signing secret (Basic Information → App Credentials), for <c>X-Slack-Signature</c>. A secret.</summary>
    public string? SigningSecret { get; set; }

    /// <summary>The Web API base <c>chat.postMessage</c> is called under. Default <c>https://slack.com/api/</c>.</summary>
    public string ApiBaseUrl { get; set; } = DefaultApiBaseUrl;

    /// <summary>
    /// A <c>response_url</c> must start with this before a message update is posted to it (no request to any other
    /// host, whatever a payload says). Default <c>https://hooks.slack.com/</c>.
    /// </summary>
    public string ResponseUrlBase { get; set; } = DefaultResponseUrlBase;

    /// <summary>Retries, timeouts and deadline (<c>…:Slack:Retry</c>).</summary>
    public DeliveryRetryOptions Retry { get; set; } = new();

    /// <summary>True when alerts can be sent: a webhook URL, or a bot token and a channel.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(WebhookUrl) || (!string.IsNullOrWhiteSpace(BotToken) && !string.IsNullOrWhiteSpace(Channel));

    /// <summary>True when alerts go through <c>chat.postMessage</c> (bot token and channel set).</summary>
    public bool UsesBotToken => !string.IsNullOrWhiteSpace(BotToken) && !string.IsNullOrWhiteSpace(Channel);

    /// <summary>Adds every problem to <paramref name="errors"/>, each naming its option under <paramref name="prefix"/>.</summary>
    public void AddValidationErrors(List<string> errors, string prefix)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (!IsConfigured)
        {
            errors.Add($"{prefix}WebhookUrl, or {prefix}BotToken with {prefix}Channel, is required to send Slack alerts.");
        }

        if (!string.IsNullOrWhiteSpace(BotToken) && string.IsNullOrWhiteSpace(Channel))
        {
            errors.Add($"{prefix}Channel is required with {prefix}BotToken.");
        }

        if (!string.IsNullOrWhiteSpace(WebhookUrl) && !AlertsOptions.IsHttpsOrLoopback(WebhookUrl, out _))
        {
            // The URL is a secret: the message does not repeat it.
            errors.Add($"{prefix}WebhookUrl must be an absolute https URL.");
        }

        if (!AlertsOptions.IsHttpsOrLoopback(ApiBaseUrl, out _))
        {
            errors.Add($"{prefix}ApiBaseUrl '{ApiBaseUrl}' must be an absolute https URL.");
        }

        if (!AlertsOptions.IsHttpsOrLoopback(ResponseUrlBase, out _))
        {
            errors.Add($"{prefix}ResponseUrlBase '{ResponseUrlBase}' must be an absolute https URL.");
        }

        Retry.AddValidationErrors(errors, prefix + "Retry:");
    }

    /// <summary>Throws an <see cref="ArgumentException"/> listing every problem.</summary>
    public void Validate(string prefix = AlertsOptions.SectionName + ":Slack:")
    {
        var errors = new List<string>();
        AddValidationErrors(errors, prefix);
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid Slack options: " + string.Join(" ", errors));
        }
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"Slack ({(UsesBotToken ? $"chat.postMessage to '{Channel}'" : IsConfigured ? "incoming webhook" : "not configured")}, " +
        $"signing secret {(string.IsNullOrEmpty(SigningSecret) ? "not set" : "set")})";
}
