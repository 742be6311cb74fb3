using System.Globalization;
using System.Net;
using MimeKit;

namespace LensAI.Backend.Alerts;

/// <summary>
/// The e-mail channel, bound from <c>LensAI:Backend:Alerts:Email</c>: budget alerts (threshold, forecast, unpriced
/// calls) and the monthly usage summary are sent through an SMTP server. Off until <see cref="Host"/> is set.
/// <see cref="ToString"/> never prints the password.
/// </summary>
public sealed class EmailOptions
{
    /// <summary>The SMTP server's host name or address.</summary>
    public string? Host { get; set; }

    /// <summary>The SMTP server's port. Default 587 (submission with STARTTLS).</summary>
    public int Port { get; set; } = 587;

    /// <summary>How the connection is secured. Default <see cref="EmailSecurity.StartTls"/>.</summary>
    public EmailSecurity Security { get; set; } = EmailSecurity.StartTls;

    /// <summary>The SMTP user name, if the server wants one (with <see cref="Password"/>).</summary>
    public string? UserName { get; set; }

    /// <summary>The SMTP password. A secret: never logged nor put in results.</summary>
    public string? Password { get; set; }

    /// <summary>The sender, e.g. <c>LensAI &lt;lensai@example.com&gt;</c>. Required.</summary>
    public string? From { get; set; }

    /// <summary>
    /// Who gets alerts of budgets that name no recipients of their own (<c>email_to</c>) and every project's monthly
    /// summary. May be empty when every budget that uses the e-mail channel names its recipients.
    /// </summary>
    public List<string> To { get; set; } = [];

    /// <summary>Whether the monthly usage summary job sends a summary per project (and per user budget with recipients). Default true.</summary>
    public bool MonthlySummary { get; set; } = true;

    /// <summary>Retries, timeouts and deadline of one e-mail (<c>…:Email:Retry</c>).</summary>
    public DeliveryRetryOptions Retry { get; set; } = new();

    /// <summary>True when a host is set.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(Host);

    /// <summary>Adds every problem to <paramref name="errors"/>, each naming its option under <paramref name="prefix"/>.</summary>
    public void AddValidationErrors(List<string> errors, string prefix)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (string.IsNullOrWhiteSpace(Host))
        {
            errors.Add($"{prefix}Host is required to send e-mail.");
        }
        else if (Security == EmailSecurity.None && !IsLocal(Host))
        {
            errors.Add($"{prefix}Security None is only allowed for a relay on this host (localhost or a loopback address); use StartTls or SslOnConnect.");
        }

        if (Port is < 1 or > 65535)
        {
            errors.Add($"{prefix}Port must be between 1 and 65535 (was {Port.ToString(CultureInfo.InvariantCulture)}).");
        }

        if (!Enum.IsDefined(Security))
        {
            errors.Add($"{prefix}Security must be StartTls, SslOnConnect or None.");
        }

        if (string.IsNullOrWhiteSpace(UserName) != string.IsNullOrEmpty(Password))
        {
            errors.Add($"{prefix}UserName and {prefix}Password go together: set both or neither.");
        }

        if (!IsAddress(From))
        {
            errors.Add($"{prefix}From is required and must be an e-mail address (e.g. LensAI <lensai@example.com>).");
        }

        for (var i = 0; i < To.Count; i++)
        {
            if (!IsAddress(To[i]))
            {
                errors.Add($"{prefix}To:{i.ToString(CultureInfo.InvariantCulture)} is not an e-mail address.");
            }
        }

        Retry.AddValidationErrors(errors, prefix + "Retry:");
    }

    /// <summary>Throws an <see cref="ArgumentException"/> listing every problem.</summary>
    public void Validate(string prefix = AlertsOptions.SectionName + ":Email:")
    {
        var errors = new List<string>();
        AddValidationErrors(errors, prefix);
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid e-mail options: " + string.Join(" ", errors));
        }
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"E-mail ({(IsConfigured ? $"{Host}:{Port.ToString(CultureInfo.InvariantCulture)}, {Security}" : "not configured")}, " +
        $"password {(string.IsNullOrEmpty(Password) ? "not set" : "set")})";

    /// <summary>True when <paramref name="value"/> is one mailbox address (a display name is allowed).</summary>
    internal static bool IsAddress(string? value) =>
        !string.IsNullOrWhiteSpace(value) && value.Length <= 320 && MailboxAddress.TryParse(value, out var mailbox)
        && mailbox.Address.IndexOf('@', StringComparison.Ordinal) > 0;

    private static bool IsLocal(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
}
