using System.Globalization;
using System.Text.Json;
using LensAI.Backend.Alerts;
using static LensAI.Backend.Tests.Alerts.DeliveryTestSupport;

namespace LensAI.Backend.Tests.Alerts;

public sealed class SlackMessagesTests
{
    [Fact]
    public void Alert_message_has_the_documented_block_kit_shape()
    {
        var alert = SampleAlert();
        using var doc = JsonDocument.Parse(SlackMessages.BuildAlert(alert));
        var root = doc.RootElement;

        Assert.False(root.TryGetProperty("channel", out _)); // incoming webhooks take no channel
        Assert.StartsWith("[LensAI] acme · user alice: 75 % of monthly budget — $75.50 of $100.00 (75.5 %)", root.GetProperty("text").GetString());
        var blocks = root.GetProperty("blocks").EnumerateArray().ToArray();
        Assert.Equal(["header", "section", "section", "section", "section", "section", "actions", "context"],
            blocks.Select(b => b.GetProperty("type").GetString()));

        var header = blocks[0].GetProperty("text");
        Assert.Equal("plain_text", header.GetProperty("type").GetString());
        Assert.Equal(":warning: acme · user alice: 75 % of monthly budget", header.GetProperty("text").GetString());

        var fields = blocks[1].GetProperty("fields").EnumerateArray().Select(f => f.GetProperty("text").GetString()).ToArray();
        Assert.All(blocks[1].GetProperty("fields").EnumerateArray(), f => Assert.Equal("mrkdwn", f.GetProperty("type").GetString()));
        Assert.Equal("*Spent*\n$75.50", fields[0]);
        Assert.Equal("*Limit*\n$100.00", fields[1]);
        Assert.Equal("*Used*\n75.5 %", fields[2]);
        Assert.Equal($"*Period*\nmonthly · resets <!date^{PeriodEnd.ToUnixTimeSeconds()}^{{date_short_pretty}} {{time}}|2026-12-01 00:00 UTC>", fields[3]);
        Assert.Equal("*Budget*\n`b-users`", fields[4]);
        Assert.Equal("*At 100 %*\nblocks calls", fields[5]);

        Assert.Equal("`████████░░` 75.5 % of $100.00", Mrkdwn(blocks[2]));

        var drivers = blocks[3].GetProperty("fields").EnumerateArray().Select(f => f.GetProperty("text").GetString()!).ToArray();
        Assert.Equal(["*Top models*\n• `gpt-4o-2024-08-06` $50.25\n• `gpt-4o-mini` $25.25", "*Top users*\n• `alice` $75.50"], drivers);

        Assert.Equal(
            $":crystal_ball: Forecast: *$131.25* by the end of the period (131.3 %); projected to exceed on <!date^{ProjectedExceedAt.ToUnixTimeSeconds()}^{{date_short_pretty}} at {{time}}|2026-11-24 15:00 UTC>.",
            Mrkdwn(blocks[4]));
        Assert.Contains("*3 calls could not be priced* (`my-finetune-v2`)", Mrkdwn(blocks[5]), StringComparison.Ordinal);

        var actions = blocks[6];
        Assert.Equal(SlackMessages.ActionsBlockId, actions.GetProperty("block_id").GetString());
        var buttons = actions.GetProperty("elements").EnumerateArray().ToArray();
        Assert.All(buttons, b => Assert.Equal("button", b.GetProperty("type").GetString()));
        Assert.Equal(["lensai_override_1h", "lensai_raise_10"], buttons.Select(b => b.GetProperty("action_id").GetString()));
        Assert.Equal(["Override 1 h", "Raise 10 %"], buttons.Select(b => b.GetProperty("text").GetProperty("text").GetString()));
        Assert.Equal(["danger", "primary"], buttons.Select(b => b.GetProperty("style").GetString()));
        Assert.Contains("$110.00", buttons[1].GetProperty("confirm").GetProperty("text").GetProperty("text").GetString(), StringComparison.Ordinal);
        foreach (var button in buttons)
        {
            Assert.True(SlackActionValue.TryParse(button.GetProperty("value").GetString(), out var value));
            Assert.Equal(new SlackActionValue("acme", "b-users", "alice", PeriodStart, 100m, "acme:b-users:20261101:threshold-75"), value);
        }

        var context = blocks[7].GetProperty("elements")[0].GetProperty("text").GetString();
        Assert.Equal("LensAI · alert `acme:b-users:20261101:threshold-75`", context);
    }

    [Fact]
    public void Alert_only_budgets_offer_no_override_and_unpriced_alerts_no_buttons()
    {
        using var alertOnly = JsonDocument.Parse(SlackMessages.BuildAlert(SampleAlert(BudgetAlert.ActionAlert)));
        var actions = alertOnly.RootElement.GetProperty("blocks").EnumerateArray().Single(b => b.GetProperty("type").GetString() == "actions");
        Assert.Equal(["lensai_raise_10"], actions.GetProperty("elements").EnumerateArray().Select(b => b.GetProperty("action_id").GetString()));

        using var unpriced = JsonDocument.Parse(SlackMessages.BuildAlert(SampleAlert(kind: BudgetAlertKind.Unpriced)));
        var blocks = unpriced.RootElement.GetProperty("blocks").EnumerateArray().ToArray();
        Assert.DoesNotContain(blocks, b => b.GetProperty("type").GetString() == "actions");
        Assert.Equal(":grey_question: acme · user alice: 3 calls could not be priced", blocks[0].GetProperty("text").GetProperty("text").GetString());
    }

    [Fact]
    public void Blocked_and_forecast_headers_say_so_and_chat_post_message_bodies_name_the_channel()
    {
        var blocked = SampleAlert() with { ThresholdPercent = 100, Percent = 104m, SpentUsd = 104m, Blocked = true };
        using var doc = JsonDocument.Parse(SlackMessages.BuildAlert(blocked, channel: "C0LENSAI"));
        Assert.Equal("C0LENSAI", doc.RootElement.GetProperty("channel").GetString());
        var blocks = doc.RootElement.GetProperty("blocks");
        Assert.Equal(":no_entry: acme · user alice: monthly budget used up, calls blocked", blocks[0].GetProperty("text").GetProperty("text").GetString());
        Assert.Equal("*At 100 %*\nblocks calls · *blocking now*", blocks[1].GetProperty("fields")[5].GetProperty("text").GetString());
        Assert.Equal("`██████████` 104 % of $100.00", blocks[2].GetProperty("text").GetProperty("text").GetString());

        var forecast = SlackMessages.BuildText(SampleAlert(kind: BudgetAlertKind.Forecast));
        Assert.Contains("projected to exceed the monthly budget", forecast, StringComparison.Ordinal);
        Assert.Contains("projected to exceed on 2026-11-24", forecast, StringComparison.Ordinal);
    }

    [Fact]
    public void Names_are_escaped_and_long_lists_are_cut()
    {
        var alert = SampleAlert() with
        {
            Scope = new BudgetScope("metadata", "team=<search&ads>"),
            TopModels = Enumerable.Range(1, 8).Select(i => new CostShare("model-`" + i, i)).ToArray(),
        };
        var json = JsonDocument.Parse(SlackMessages.BuildAlert(alert));
        var text = json.RootElement.GetProperty("text").GetString()!;
        Assert.Contains("team=&lt;search&amp;ads&gt;", text, StringComparison.Ordinal);
        var models = json.RootElement.GetProperty("blocks")[3].GetProperty("fields")[0].GetProperty("text").GetString()!;
        Assert.Equal(SlackMessages.MaxListed + 2, models.Split('\n').Length); // label, five names, "… and 3 more"
        Assert.EndsWith("… and 3 more", models, StringComparison.Ordinal);
        Assert.Contains("`model-'1`", models, StringComparison.Ordinal); // a backtick cannot break the code span
    }

    [Fact]
    public void Estimated_calls_are_named_in_the_alert_and_counted_in_its_spend()
    {
        var alert = SampleAlert() with { EstimatedCalls = 3 };
        using var doc = JsonDocument.Parse(SlackMessages.BuildAlert(alert));
        var root = doc.RootElement;
        Assert.EndsWith("could not be priced, 3 calls estimated", root.GetProperty("text").GetString(), StringComparison.Ordinal);
        var texts = root.GetProperty("blocks").EnumerateArray()
            .Where(b => b.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.Object)
            .Select(b => b.GetProperty("text").GetProperty("text").GetString()).ToList();
        Assert.Contains(":straight_ruler: *3 calls estimated*: they ended before the provider reported usage (abandoned or broken streams, timeouts); their estimated cost is counted in the spend above.", texts);

        using var none = JsonDocument.Parse(SlackMessages.BuildAlert(SampleAlert()));
        Assert.DoesNotContain("estimated", none.RootElement.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public void Resolved_messages_replace_the_original_without_buttons()
    {
        var alert = SampleAlert();
        var until = new DateTimeOffset(2026, 11, 21, 13, 0, 0, TimeSpan.Zero);
        using var overridden = JsonDocument.Parse(SlackMessages.BuildResolved(alert, SlackResolution.Override(until, "U024BE7LH")));
        var root = overridden.RootElement;
        Assert.True(root.GetProperty("replace_original").GetBoolean());
        Assert.Equal("[LensAI] acme · user alice: override active — Override active until 2026-11-21 13:00 UTC, by @U024BE7LH", root.GetProperty("text").GetString());
        var blocks = root.GetProperty("blocks").EnumerateArray().ToArray();
        Assert.Equal(["header", "section", "section", "context"], blocks.Select(b => b.GetProperty("type").GetString()));
        Assert.Equal(
            $":unlock: Override active until <!date^{until.ToUnixTimeSeconds()}^{{date_short_pretty}} at {{time}}|2026-11-21 13:00 UTC>, by <@U024BE7LH>. Calls in this scope are allowed until then.",
            blocks[2].GetProperty("text").GetProperty("text").GetString());

        using var raised = JsonDocument.Parse(SlackMessages.BuildResolved("acme", "b-users", new BudgetScope("user", "alice"),
            SlackResolution.Raised(110m, "U024BE7LH")));
        var raisedBlocks = raised.RootElement.GetProperty("blocks").EnumerateArray().ToArray();
        Assert.Equal(["header", "section", "context"], raisedBlocks.Select(b => b.GetProperty("type").GetString()));
        Assert.Equal(":white_check_mark: acme · user alice: limit raised", raisedBlocks[0].GetProperty("text").GetProperty("text").GetString());
        Assert.Equal(":chart_with_upwards_trend: Limit raised to *$110.00* by <@U024BE7LH>.", raisedBlocks[1].GetProperty("text").GetProperty("text").GetString());
    }

    [Fact]
    public void Action_values_round_trip_and_refuse_anything_else()
    {
        var value = new SlackActionValue("acme|x", "budget:1", "team=search", new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.FromHours(1)), 1234.56m, "a:b:c");
        Assert.True(SlackActionValue.TryParse(value.ToJson(), out var parsed));
        Assert.Equal(value, parsed);
        Assert.Equal(1358.02m, parsed.RaisedLimitUsd);
        Assert.True(SlackActionValue.TryParse(new SlackActionValue("acme", "b1", null, PeriodStart, 5m).ToJson(), out var projectScope));
        Assert.Null(projectScope.ScopeValue);
        Assert.Null(projectScope.AlertId);

        Assert.False(SlackActionValue.TryParse(null, out _));
        Assert.False(SlackActionValue.TryParse("acme|b|20261101", out _));
        Assert.False(SlackActionValue.TryParse("{\"v\":2,\"p\":\"a\",\"b\":\"b\",\"s\":\"2026-11-01T00:00:00Z\",\"l\":\"1\"}", out _));
        Assert.False(SlackActionValue.TryParse("{\"v\":1,\"p\":\"a\",\"s\":\"2026-11-01T00:00:00Z\",\"l\":\"1\"}", out _));
        Assert.False(SlackActionValue.TryParse("{\"v\":1,\"p\":\"a\",\"b\":\"b\",\"s\":\"not a date\",\"l\":\"1\"}", out _));
        Assert.False(SlackActionValue.TryParse("{\"v\":1,\"p\":\"a\",\"b\":\"b\",\"s\":\"2026-11-01T00:00:00Z\",\"l\":\"-1\"}", out _));
    }

    [Fact]
    public void Alert_ids_are_stable_per_budget_period_and_kind()
    {
        Assert.Equal("acme:b1:20261101:threshold-90", BudgetAlert.CreateId("acme", "b1", PeriodStart, BudgetAlertKind.Threshold, 90));
        Assert.Equal("acme:b1:20261101:forecast", BudgetAlert.CreateId("acme", "b1", PeriodStart, BudgetAlertKind.Forecast));
        Assert.Equal("acme:b1:20261201:unpriced", BudgetAlert.CreateId("acme", "b1", PeriodEnd, BudgetAlertKind.Unpriced));
        Assert.Throws<ArgumentException>(() => BudgetAlert.CreateId("acme", "b1", PeriodStart, BudgetAlertKind.Threshold));
    }

    [Theory]
    [InlineData("0", "$0.00")]
    [InlineData("0.0042", "$0.0042")]
    [InlineData("1234.5", "$1,234.50")]
    [InlineData("-2", "-$2.00")]
    public void Money_is_formatted_for_people(string amount, string expected) =>
        Assert.Equal(expected, SlackMessages.Money(decimal.Parse(amount, CultureInfo.InvariantCulture)));

    private static string? Mrkdwn(JsonElement section) => section.GetProperty("text").GetProperty("text").GetString();
}
