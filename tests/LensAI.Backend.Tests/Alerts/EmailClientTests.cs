using LensAI.Backend.Alerts;
using LensAI.Backend.Budgets;
using MimeKit;
using SmtpServer.Protocol;
using static LensAI.Backend.Tests.Alerts.DeliveryTestSupport;

namespace LensAI.Backend.Tests.Alerts;

/// <summary>The e-mail channel against a real SMTP server on loopback (started and stopped by each test).</summary>
public sealed class EmailClientTests
{
    private const string Password = "smtp-password-Secret42";

    private static EmailOptions Options(int port, int attempts = 3, bool credentials = false) => new()
    {
        Host = "127.0.0.1",
        Port = port,
        Security = EmailSecurity.None,
        From = "LensAI <lensai@example.com>",
        To = ["owner@example.com"],
        UserName = credentials ? "lensai" : null,
        Password = credentials ? Password : null,
        Retry = FastRetry(attempts),
    };

    [Fact]
    public async Task An_alert_reaches_its_recipients_with_the_subject_body_and_a_stable_message_id()
    {
        await using var smtp = await SmtpTestServer.StartAsync(credentials: ("lensai", Password));
        var client = new EmailClient(Options(smtp.Port, credentials: true));
        var alert = SampleAlert();

        var result = await client.SendAsync(EmailMessages.Alert(alert, ["owner@example.com", "Finance <finance@example.com>"]));

        Assert.Equal(AlertDeliveryStatus.Delivered, result.Status);
        var (recipients, message) = Assert.Single(smtp.Accepted);
        Assert.Equal(["owner@example.com", "finance@example.com"], recipients);
        Assert.Equal("lensai@example.com", message.From.Mailboxes.Single().Address);
        Assert.Equal("[LensAI] acme · user alice: 75 % of monthly budget", message.Subject);
        Assert.Equal(EmailClient.MessageIdOf(alert.AlertId), message.MessageId);
        Assert.Equal(alert.AlertId, message.Headers[EmailClient.KeyHeader]);
        var body = message.TextBody;
        Assert.Contains("[LensAI] acme · user alice: 75 % of monthly budget — $75.50 of $100.00 (75.5 %)", body, StringComparison.Ordinal);
        Assert.Contains("Forecast:  $131.25 by the end of the period, projected to exceed on 2026-11-24 15:00 UTC", body, StringComparison.Ordinal);
        Assert.Contains("gpt-4o-2024-08-06  $50.25", body, StringComparison.Ordinal);
        Assert.Contains("3 calls could not be priced (my-finetune-v2)", body, StringComparison.Ordinal);
        Assert.Contains("blocks calls", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_4xx_answer_is_retried_and_the_message_is_accepted_exactly_once()
    {
        await using var smtp = await SmtpTestServer.StartAsync(index => index == 0 ? new SmtpResponse(SmtpReplyCode.Aborted, "local error, try again") : SmtpResponse.Ok);
        var client = new EmailClient(Options(smtp.Port));

        var result = await client.SendAsync(EmailMessages.Alert(SampleAlert(), ["owner@example.com"]));

        Assert.Equal(AlertDeliveryStatus.Delivered, result.Status);
        Assert.Equal(2, result.Attempts);
        Assert.Equal(2, smtp.Attempts);
        Assert.Single(smtp.Accepted);
    }

    [Fact]
    public async Task A_5xx_refusal_fails_at_once_and_says_why()
    {
        await using var smtp = await SmtpTestServer.StartAsync(_ => new SmtpResponse(SmtpReplyCode.TransactionFailed, "policy: no thanks"));
        var client = new EmailClient(Options(smtp.Port));

        var result = await client.SendAsync(EmailMessages.Alert(SampleAlert(), ["owner@example.com"]));

        Assert.Equal(AlertDeliveryStatus.Failed, result.Status);
        Assert.Equal(1, result.Attempts);
        Assert.Equal(554, result.HttpStatus);
        Assert.Contains("SMTP 554", result.Message, StringComparison.Ordinal);
        Assert.Empty(smtp.Accepted);
    }

    [Fact]
    public async Task A_server_that_drops_the_connection_is_retried_then_left_for_the_next_run()
    {
        using var closing = new ClosingListener();
        var client = new EmailClient(Options(closing.Port, attempts: 2));

        var result = await client.SendAsync(EmailMessages.Alert(SampleAlert(), ["owner@example.com"]));

        Assert.Equal(AlertDeliveryStatus.RetryLater, result.Status);
        Assert.Equal(2, result.Attempts);
        Assert.Equal(2, closing.Connections);
        Assert.Contains("connection to the SMTP server failed", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrong_credentials_fail_for_good_and_the_password_is_never_in_results_or_logs()
    {
        await using var smtp = await SmtpTestServer.StartAsync(credentials: ("lensai", "another-password"));
        var logger = new ListLogger<EmailClient>();
        var options = Options(smtp.Port, credentials: true);
        var client = new EmailClient(options, logger: logger);

        var result = await client.SendAsync(EmailMessages.Alert(SampleAlert(), ["owner@example.com"]));

        Assert.Equal(AlertDeliveryStatus.Failed, result.Status);
        Assert.Contains("refused the user name or password", result.Message, StringComparison.Ordinal);
        Assert.NotEmpty(logger.Lines);
        Assert.DoesNotContain(logger.Lines, line => line.Contains(Password, StringComparison.Ordinal));
        Assert.DoesNotContain(Password, options.ToString(), StringComparison.Ordinal);
        Assert.Empty(smtp.Accepted);
    }

    [Fact]
    public void Options_are_validated_eagerly_naming_each_setting()
    {
        var bad = new EmailOptions { Host = "smtp.example.com", Security = EmailSecurity.None, From = "not an address", To = ["x"], UserName = "u", Port = 0 };

        var error = Assert.Throws<ArgumentException>(() => new EmailClient(bad));

        Assert.Contains("LensAI:Backend:Alerts:Email:Security None is only allowed", error.Message, StringComparison.Ordinal);
        Assert.Contains("Email:Port must be between 1 and 65535", error.Message, StringComparison.Ordinal);
        Assert.Contains("Email:From is required", error.Message, StringComparison.Ordinal);
        Assert.Contains("Email:To:0 is not an e-mail address", error.Message, StringComparison.Ordinal);
        Assert.Contains("UserName and", error.Message, StringComparison.Ordinal);
        Assert.Empty(new AlertsOptions().GetValidationErrors()); // off until a host is set
    }

    [Fact]
    public void A_user_id_with_line_breaks_cannot_add_a_header()
    {
        var client = new EmailClient(Options(25));
        var alert = SampleAlert() with { Scope = new BudgetScope("user", "eve\r\nBcc: attacker@example.com") };

        var mime = client.ToMime(EmailMessages.Alert(alert, ["owner@example.com"]));

        Assert.Empty(mime.Bcc);
        using var written = new MemoryStream();
        mime.WriteTo(written);
        var raw = System.Text.Encoding.UTF8.GetString(written.ToArray()).ReplaceLineEndings("\n");
        var headers = raw[..raw.IndexOf("\n\n", StringComparison.Ordinal)]; // the body may say anything: it is text
        Assert.DoesNotContain("\nBcc:", headers, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Subject:", headers, StringComparison.Ordinal);
        Assert.Contains("eve  Bcc: attacker@example.com", mime.Subject, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_dispatcher_sends_an_alert_to_the_budgets_own_recipients()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        using var dispatcher = ChannelAlertDispatcher.Create(new AlertsOptions { Email = Options(smtp.Port) })!;
        var alert = ChannelAlertDispatcherTests.Data();

        Assert.Equal(["email"], dispatcher.Channels);
        var outcome = await dispatcher.DispatchAsync(alert, "email", CancellationToken.None);

        Assert.Equal(AlertDispatchOutcome.Delivered, outcome.Outcome);
        Assert.Equal(["owner@example.com"], Assert.Single(smtp.Accepted).Recipients); // no budget store: the configured To
        var file = new BudgetFile { Budgets = [new BudgetDefinition { Id = alert.BudgetId, Scope = "user", ScopeValue = "alice", AmountUsd = 100, Channels = ["email"], EmailTo = ["alice@example.com"] }] };
        Assert.Equal(["alice@example.com"], AlertChannels.RecipientsFor(file, alert.BudgetId, ["owner@example.com"]));
        Assert.Equal(["email"], AlertChannels.For(["slack", "email"], file, alert));
        Assert.Equal(["slack"], AlertChannels.For(["slack"], file, alert)); // a chosen channel that is not configured: never silently dropped
        Assert.Equal(["slack", "email"], AlertChannels.For(["slack", "email"], new BudgetFile(), alert));
    }
}
