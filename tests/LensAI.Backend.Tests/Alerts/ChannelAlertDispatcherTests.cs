using System.Text.Json;
using LensAI.Backend.Alerts;
using LensAI.Backend.Budgets;
using static LensAI.Backend.Tests.Alerts.DeliveryTestSupport;

namespace LensAI.Backend.Tests.Alerts;

public sealed class ChannelAlertDispatcherTests
{
    [Fact]
    public async Task A_channel_that_accepted_is_not_sent_the_alert_again_while_another_retries()
    {
        await using var slack = await RecordingServer.StartAsync((ctx, _, _) => Text(ctx, 200, "ok"));
        await using var hook = await RecordingServer.StartAsync((ctx, _, index) => Text(ctx, index == 0 ? 503 : 200, index == 0 ? "busy" : "ok"));
        using var dispatcher = ChannelAlertDispatcher.Create(new AlertsOptions
        {
            Slack = new SlackOptions { WebhookUrl = new Uri(slack.BaseAddress, "services/x").AbsoluteUri, Retry = FastRetry(1) },
            Webhook = new WebhookOptions { Url = new Uri(hook.BaseAddress, "hook").AbsoluteUri, Secret = "webhook-shared-secret-0123456789", Retry = FastRetry(1) },
        })!;
        var alert = Data();

        Assert.Equal(["slack", "webhook"], dispatcher.Channels);
        Assert.Equal(AlertDispatchOutcome.Delivered, (await dispatcher.DispatchAsync(alert, "slack", CancellationToken.None)).Outcome);
        var first = await dispatcher.DispatchAsync(alert, "webhook", CancellationToken.None);
        var second = await dispatcher.DispatchAsync(alert, "webhook", CancellationToken.None); // the budget check retries only this channel

        Assert.Equal(AlertDispatchOutcome.RetryLater, first.Outcome);
        Assert.Contains("webhook: Webhook: HTTP 503", first.Detail, StringComparison.Ordinal);
        Assert.Equal(AlertDispatchOutcome.Delivered, second.Outcome);
        Assert.Equal(1, slack.Count);
        Assert.Equal(2, hook.Count);
        using var body = JsonDocument.Parse(slack.Requests[0].Body);
        Assert.Equal(":warning: acme · user alice: 75 % of monthly budget",
            body.RootElement.GetProperty("blocks")[0].GetProperty("text").GetProperty("text").GetString());
    }

    [Fact]
    public async Task A_refusal_fails_and_an_unknown_kind_fails_without_a_request()
    {
        await using var slack = await RecordingServer.StartAsync((ctx, _, _) => Text(ctx, 403, "action_prohibited"));
        using var dispatcher = new ChannelAlertDispatcher(
            new SlackClient(new SlackOptions { WebhookUrl = new Uri(slack.BaseAddress, "services/x").AbsoluteUri, Retry = FastRetry() }), webhook: null);

        var refused = await dispatcher.DispatchAsync(Data(), "slack", CancellationToken.None);
        var unknown = await dispatcher.DispatchAsync(Data() with { Kind = "mystery" }, "slack", CancellationToken.None);

        Assert.Equal(AlertDispatchOutcome.Failed, refused.Outcome);
        Assert.Contains("action_prohibited", refused.Detail, StringComparison.Ordinal);
        Assert.Equal(AlertDispatchOutcome.Failed, unknown.Outcome);
        Assert.Contains("mystery", unknown.Detail, StringComparison.Ordinal);
        Assert.Equal(1, slack.Count);
    }

    [Fact]
    public void Maps_every_field_and_is_absent_without_channels()
    {
        var alert = ChannelAlertDispatcher.ToBudgetAlert(Data());
        var expected = SampleAlert();
        Assert.Equal(expected.Scope, alert.Scope);
        Assert.Equal(expected.TopModels, alert.TopModels);
        Assert.Equal(expected.TopUsers, alert.TopUsers);
        Assert.Equal(expected with { TopModels = alert.TopModels, TopUsers = alert.TopUsers, UnpricedModels = alert.UnpricedModels }, alert);
        Assert.Null(ChannelAlertDispatcher.Create(new AlertsOptions()));
    }

    internal static BudgetAlertData Data()
    {
        var sample = SampleAlert();
        return new BudgetAlertData
        {
            AlertId = sample.AlertId,
            Project = sample.Project,
            BudgetId = sample.BudgetId,
            Scope = sample.Scope.Kind,
            ScopeValue = sample.Scope.Value,
            Period = sample.Period,
            PeriodStart = sample.PeriodStart,
            PeriodEnd = sample.PeriodEnd,
            Kind = "threshold",
            ThresholdPercent = sample.ThresholdPercent,
            SpentUsd = sample.SpentUsd,
            LimitUsd = sample.LimitUsd,
            Percent = sample.Percent,
            ForecastUsd = sample.ForecastUsd,
            ProjectedExceedAt = sample.ProjectedExceedAt,
            TopModels = sample.TopModels.Select(m => new NamedCost(m.Name, m.CostUsd)).ToArray(),
            TopUsers = sample.TopUsers.Select(u => new NamedCost(u.Name, u.CostUsd)).ToArray(),
            UnpricedCalls = sample.UnpricedCalls,
            UnpricedModels = sample.UnpricedModels,
            Action = sample.Action,
            Blocked = sample.Blocked,
        };
    }
}
