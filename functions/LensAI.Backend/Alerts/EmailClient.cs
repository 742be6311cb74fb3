using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MimeKit;

namespace LensAI.Backend.Alerts;

/// <summary>
/// The e-mail channel: sends a plain-text message through the configured SMTP server (MailKit), one connection per
/// attempt, through the same retry pipeline as Slack and the webhook. An SMTP 4xx answer, a refused or dropped
/// connection and a timeout are transient (retried, then left for the next run); a 5xx answer, refused credentials and
/// a failed TLS handshake are permanent (recorded, an operator must act). The password is never logged nor put in a
/// result: no protocol log is kept.
/// </summary>
internal sealed class EmailClient
{
    /// <summary>The header carrying the key of what a message is about (an alert id), for filters and receivers that drop repeats.</summary>
    public const string KeyHeader = "X-LensAI-Key";

    private readonly EmailOptions _options;
    private readonly MailboxAddress _from;
    private readonly DeliveryPipeline _pipeline;

    /// <summary>A client from validated options.</summary>
    /// <param name="options">E-mail settings; validated here (an <see cref="ArgumentException"/> names each bad option).</param>
    /// <param name="timeProvider">Clock for retries and timeouts; default the system clock.</param>
    /// <param name="logger">Where retries and failures are logged (never with the password).</param>
    public EmailClient(EmailOptions options, TimeProvider? timeProvider = null, ILogger<EmailClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _from = MailboxAddress.Parse(options.From!);
        _pipeline = new DeliveryPipeline("E-mail", http: null, options.Retry, timeProvider ?? TimeProvider.System,
            (ILogger?)logger ?? NullLogger.Instance, [options.Password]);
    }

    /// <summary>Test hook: see <see cref="DeliveryPipeline.OnRetryScheduled"/>.</summary>
    internal Action<int, TimeSpan>? OnRetryScheduled
    {
        get => _pipeline.OnRetryScheduled;
        set => _pipeline.OnRetryScheduled = value;
    }

    /// <summary>The options in use.</summary>
    public EmailOptions Options => _options;

    /// <summary>Sends <paramref name="message"/>; expected failures come back in the result, never as exceptions.</summary>
    public async Task<AlertDeliveryResult> SendAsync(EmailMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.To.Count == 0)
        {
            return new AlertDeliveryResult(AlertDeliveryStatus.Failed, "E-mail: no recipients (set LensAI:Backend:Alerts:Email:To or the budget's email_to).", 0);
        }

        var mime = ToMime(message);
        var outcome = await _pipeline.SendAsync("send", token => AttemptAsync(mime, token), cancellationToken).ConfigureAwait(false);
        return AlertDeliveryResult.From(outcome);
    }

    /// <summary>The MIME message sent for <paramref name="message"/>: plain text, UTF-8, a Message-ID made from its key.</summary>
    internal MimeMessage ToMime(EmailMessage message)
    {
        var mime = new MimeMessage();
        mime.From.Add(_from);
        foreach (var to in message.To)
        {
            mime.To.Add(MailboxAddress.Parse(to));
        }

        mime.Subject = OneLine(message.Subject);
        mime.MessageId = MessageIdOf(message.Key);
        mime.Headers.Add(KeyHeader, OneLine(message.Key));
        mime.Body = new TextPart("plain") { Text = message.TextBody };
        return mime;
    }

    /// <summary>The Message-ID of a key: <c>&lt;32 hex&gt;@lensai</c> (the key itself may hold user ids, so only its hash goes in).</summary>
    internal static string MessageIdOf(string key) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)).AsSpan(0, 16)) + "@lensai";

    /// <summary>Header text on one line: every control character (CR, LF…) becomes a space, so no value can add a header.</summary>
    internal static string OneLine(string text) => string.Create(text.Length, text, static (span, t) =>
    {
        for (var i = 0; i < t.Length; i++)
        {
            span[i] = char.IsControl(t[i]) ? ' ' : t[i];
        }
    });

    private async Task<AttemptOutcome> AttemptAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        using var smtp = new SmtpClient { Timeout = (int)Math.Min(int.MaxValue, _options.Retry.AttemptTimeout.TotalMilliseconds) };
        try
        {
            await smtp.ConnectAsync(_options.Host!, _options.Port, _options.Security switch
            {
                EmailSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
                EmailSecurity.None => SecureSocketOptions.None,
                _ => SecureSocketOptions.StartTls,
            }, cancellationToken).ConfigureAwait(false);
            if (!string.IsNullOrEmpty(_options.UserName))
            {
                await smtp.AuthenticateAsync(_options.UserName, _options.Password!, cancellationToken).ConfigureAwait(false);
            }

            var answer = await smtp.SendAsync(message, cancellationToken).ConfigureAwait(false);
            await QuitAsync(smtp).ConfigureAwait(false);
            return new AttemptOutcome(AttemptKind.Success, "E-mail: accepted" + (string.IsNullOrWhiteSpace(answer) ? "." : $" ({DeliveryPipeline.Excerpt(_pipeline.Redact(answer))}).")) { StatusCode = 250 };
        }
        catch (SmtpCommandException ex)
        {
            var code = (int)ex.StatusCode;
            var kind = code is >= 400 and < 500 ? AttemptKind.Transient : AttemptKind.Permanent;
            var what = ex.ErrorCode switch
            {
                SmtpErrorCode.RecipientNotAccepted => $"recipient {ex.Mailbox?.Address} refused",
                SmtpErrorCode.SenderNotAccepted => $"sender {ex.Mailbox?.Address} refused",
                SmtpErrorCode.MessageNotAccepted => "message refused",
                _ => "command refused",
            };
            return new AttemptOutcome(kind, $"E-mail: SMTP {code.ToString(CultureInfo.InvariantCulture)}, {what}: {DeliveryPipeline.Excerpt(_pipeline.Redact(ex.Message))}") { StatusCode = code };
        }
        catch (AuthenticationException)
        {
            return new AttemptOutcome(AttemptKind.Permanent, "E-mail: the SMTP server refused the user name or password.");
        }
        catch (SslHandshakeException ex)
        {
            return new AttemptOutcome(AttemptKind.Permanent, "E-mail: TLS handshake with the SMTP server failed: " + DeliveryPipeline.Excerpt(_pipeline.Redact(ex.Message)));
        }
        catch (NotSupportedException ex)
        {
            // E.g. STARTTLS required but not offered, or credentials set and no AUTH offered.
            return new AttemptOutcome(AttemptKind.Permanent, "E-mail: " + DeliveryPipeline.Excerpt(_pipeline.Redact(ex.Message)));
        }
        catch (Exception ex) when (ex is SmtpProtocolException or ServiceNotConnectedException or SocketException or IOException)
        {
            return new AttemptOutcome(AttemptKind.Transient, $"E-mail: connection to the SMTP server failed ({ex.GetType().Name}): {DeliveryPipeline.Excerpt(_pipeline.Redact(ex.Message))}");
        }
    }

    /// <summary>Ends the session politely; the message is already accepted, so a failure here changes nothing.</summary>
    private static async Task QuitAsync(SmtpClient smtp)
    {
        try
        {
            using var quit = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await smtp.DisconnectAsync(true, quit.Token).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Accepted is accepted: a QUIT that fails is not a failed delivery.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }
}
