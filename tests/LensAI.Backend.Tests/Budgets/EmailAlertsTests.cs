using System.Globalization;
using LensAI.Backend.Budgets;
using LensAI.Backend.Tests.Alerts;
using LensAI.Testing;
using Microsoft.Extensions.DependencyInjection;
using SmtpServer.Protocol;

namespace LensAI.Backend.Tests.Budgets;

/// <summary>
/// The e-mail channel through the backend: a budget that chose e-mail alerts its own recipients once per threshold
/// per period, across a budget check whose delivery failed transiently; the monthly summary job e-mails last month's
/// usage to the project's recipients and to a user with a budget of their own, once each however often it runs.
/// A real SMTP server on loopback, a fake clock.
/// </summary>
public sealed class EmailAlertsTests
{
    [Fact(Timeout = 120_000)]
    public async Task Threshold_alerts_go_once_to_the_budgets_recipients_across_a_failed_delivery_and_the_summary_goes_once()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero));
        await using var smtp = await SmtpTestServer.StartAsync(index => index == 0 ? new SmtpResponse(SmtpReplyCode.Unavailable, "greylisted, try later") : SmtpResponse.Ok);
        await using var backend = await TestBackend.StartAsync(
            configure: b => b.Services.AddSingleton<TimeProvider>(time),
            settings: new()
            {
                ["LensAI:Backend:Alerts:Email:Host"] = "127.0.0.1",
                ["LensAI:Backend:Alerts:Email:Port"] = smtp.Port.ToString(CultureInfo.InvariantCulture),
                ["LensAI:Backend:Alerts:Email:Security"] = "None",
                ["LensAI:Backend:Alerts:Email:From"] = "LensAI <lensai@acme.test>",
                ["LensAI:Backend:Alerts:Email:To:0"] = "ops@acme.test",
                ["LensAI:Backend:Alerts:Email:Retry:MaxAttempts"] = "1",
            });
        var budgets = backend.Services.GetRequiredService<BudgetStore>();
        await budgets.SetBudgetsAsync("acme", new BudgetFile
        {
            Budgets =
            [
                new BudgetDefinition { Id = "monthly", Scope = "project", Period = "monthly", AmountUsd = 1m, Thresholds = [50, 100], Forecast = false, Channels = ["email"], EmailTo = ["owner@acme.test"] },
                new BudgetDefinition { Id = "alice-quota", Scope = "user", ScopeValue = "u1", Period = "monthly", AmountUsd = 100m, Forecast = false, EmailTo = ["alice@acme.test"] },
            ],
        }, "test", CancellationToken.None);
        var key = await backend.CreateKeyAsync("acme");
        using (var http = backend.Client(key))
        {
            // 8M input tokens of gpt-4o-mini, half of them cached: $0.90 of the $1 budget, past 50 %.
            var batch = Batches.Json([Batches.Event(ts: time.GetUtcNow().AddMinutes(-5), tokensIn: 8_000_000, tokensOut: 0, userId: "u1")]);
            Assert.Equal(200, (await Batches.PostAsync(http, Batches.Content(batch))).Status);
        }

        var check = backend.Services.GetRequiredService<BudgetCheckJob>();
        await check.CheckProjectAsync("acme", CancellationToken.None); // 451: left in the outbox
        Assert.Equal(1, smtp.Attempts);
        Assert.Empty(smtp.Accepted);

        time.Advance(TimeSpan.FromMinutes(1)); // past the outbox's backoff
        await check.CheckProjectAsync("acme", CancellationToken.None);
        await check.CheckProjectAsync("acme", CancellationToken.None);

        var (recipients, alert) = Assert.Single(smtp.Accepted);
        Assert.Equal(["owner@acme.test"], recipients);
        Assert.Equal("[LensAI] acme · project: 50 % of monthly budget", alert.Subject);
        Assert.Contains("$0.90 of $1.00 (90 %)", alert.TextBody, StringComparison.Ordinal);
        Assert.Equal(2, smtp.Attempts);

        // December 2nd: last month's summaries, once each however often the job runs.
        time.Advance(new DateTimeOffset(2026, 12, 2, 6, 0, 0, TimeSpan.Zero) - time.GetUtcNow());
        var first = await backend.Jobs.RunAsync("monthly-summary", CancellationToken.None);
        var second = await backend.Jobs.RunAsync("monthly-summary", CancellationToken.None);

        Assert.Contains("2 summary e-mail(s) sent", first!.Summary, StringComparison.Ordinal);
        Assert.Contains("0 summary e-mail(s) sent", second!.Summary, StringComparison.Ordinal);
        var summaries = smtp.Accepted.Skip(1).ToList();
        Assert.Equal(2, summaries.Count);
        var project = summaries.Single(s => s.Recipients.Contains("ops@acme.test"));
        Assert.Equal(["ops@acme.test", "owner@acme.test"], project.Recipients.Order());
        Assert.StartsWith("[LensAI] acme: usage in November 2026", project.Message.Subject, StringComparison.Ordinal);
        Assert.Contains("Calls:     1", project.Message.TextBody, StringComparison.Ordinal);
        Assert.Contains("gpt-4o-mini-2024-07-18  $0.90", project.Message.TextBody, StringComparison.Ordinal);
        var user = summaries.Single(s => s.Recipients.Contains("alice@acme.test"));
        Assert.Equal(["alice@acme.test"], user.Recipients);
        Assert.Equal("[LensAI] Your AI usage in November 2026: $0.90", user.Message.Subject);
        Assert.Contains("Your quota: $100.00 per month (budget alice-quota).", user.Message.TextBody, StringComparison.Ordinal);
    }
}
