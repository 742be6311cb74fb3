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

    /// <summary>E-mail through an SMTP server (<c>LensAI:Backend:Alerts:Email</c>).</summary>
    public EmailOptions Email { get; set; } = new();

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

        if (Email.IsConfigured)
        {
            Email.AddValidationErrors(errors, SectionName + ":Email:");
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
