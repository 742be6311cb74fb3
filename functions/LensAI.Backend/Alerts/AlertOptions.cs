namespace LensAI.Backend.Alerts;

/// <summary>Alert channels, bound from <c>LensAI:Backend:Alerts</c>. Each channel is off until configured.</summary>
public sealed class AlertsOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "LensAI:Backend:Alerts";

    /// <summary>Slack (<c>LensAI:Backend:Alerts:Slack</c>).</summary>
    public SlackOptions Slack { get; set; } = new();

    /// <summary>The generic JSON webhook (<c>LensAI:Backend:Alerts:Webhook</c>).</summary>
    public WebhookOptions Webhook { get; set; } = new();

    /// <summary>
    /// Every problem with the configured channels, each naming its option; empty when usable. A Slack signing secret
    /// alone (actions verified, no alerts sent from here) is not a channel and is fine.
    /// </summary>
    public IReadOnlyList<string> GetValidationErrors()
    {
        var errors = new List<string>();
        if (Slack.IsConfigured)
        {
            Slack.AddValidationErrors(errors, SectionName + ":Slack:");
        }

        if (Webhook.IsConfigured)
        {
            Webhook.AddValidationErrors(errors, SectionName + ":Webhook:");
        }

        return errors;
    }

    internal static bool IsHttpsOrLoopback(string value, out Uri? uri)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out uri))
        {
            return false;
        }

        return uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback);
    }

    internal static Uri WithTrailingSlash(string value) => new(value.EndsWith('/') ? value : value + "/");
}

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
