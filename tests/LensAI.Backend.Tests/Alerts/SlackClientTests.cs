using System.Diagnostics;
using System.Text.Json;
using LensAI.Backend.Alerts;
using LensAI.Testing;
using Microsoft.AspNetCore.Http;
using static LensAI.Backend.Tests.Alerts.DeliveryTestSupport;

namespace LensAI.Backend.Tests.Alerts;

public sealed class SlackClientTests
{
    private const string WebhookPath = "/services/T0LENSAI/B0LENSAI/webhookSecretPart42";
    private const string BotToken = "xoxb-0000-lensai-test-token";

    [Fact]
    public async Task Webhook_delivers_the_block_kit_message_once()
    {
        await using var server = await RecordingServer.StartAsync((ctx, _, _) => Text(ctx, 200, "ok"));
        using var client = new SlackClient(new SlackOptions { WebhookUrl = WebhookUrl(server), Retry = FastRetry() });

        var result = await client.SendAsync(SampleAlert());

        Assert.Equal(AlertDeliveryStatus.Delivered, result.Status);
        Assert.Equal(1, result.Attempts);
        Assert.Equal(200, result.HttpStatus);
        var request = Assert.Single(server.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal(WebhookPath, request.Path);
        Assert.Equal("application/json; charset=utf-8", request.Header("Content-Type"));
        Assert.Null(request.Header("Authorization"));
        Assert.Equal(SlackMessages.BuildAlert(SampleAlert()), request.Body);

        using var body = JsonDocument.Parse(request.Body);
        var blocks = body.RootElement.GetProperty("blocks").EnumerateArray().ToArray();
        Assert.Equal(["header", "section", "section", "section", "section", "section", "actions", "context"],
            blocks.Select(b => b.GetProperty("type").GetString()));
        var buttons = blocks[6].GetProperty("elements").EnumerateArray().ToArray();
        Assert.Equal([SlackMessages.OverrideActionId, SlackMessages.RaiseActionId], buttons.Select(b => b.GetProperty("action_id").GetString()));
        Assert.All(buttons, b =>
        {
            Assert.True(SlackActionValue.TryParse(b.GetProperty("value").GetString(), out var value));
            Assert.Equal(("acme", "b-users", "alice", PeriodStart, 100m), (value.Project, value.BudgetId, value.ScopeValue, value.PeriodStart, value.LimitUsd));
        });
    }

    [Fact]
    public async Task Chat_post_message_sends_bearer_json_to_the_channel_and_returns_the_ts()
    {
        await using var server = await RecordingServer.StartAsync((ctx, _, _) => Json(ctx, 200, """{"ok":true,"channel":"C0LENSAI","ts":"1795262400.000100"}"""));
        using var client = new SlackClient(BotOptions(server));

        var result = await client.SendAsync(SampleAlert());

        Assert.Equal(AlertDeliveryStatus.Delivered, result.Status);
        Assert.Equal("1795262400.000100", result.MessageId);
        var request = Assert.Single(server.Requests);
        Assert.Equal("/api/chat.postMessage", request.Path);
        Assert.Equal("Bearer " + BotToken, request.Header("Authorization"));
        Assert.Equal("application/json; charset=utf-8", request.Header("Content-Type"));
        using var body = JsonDocument.Parse(request.Body);
        Assert.Equal("C0LENSAI", body.RootElement.GetProperty("channel").GetString());
        Assert.Equal(JsonValueKind.Array, body.RootElement.GetProperty("blocks").ValueKind);
        Assert.False(string.IsNullOrEmpty(body.RootElement.GetProperty("text").GetString()));
    }

    [Theory]
    [InlineData("channel_not_found", "LensAI:Backend:Alerts:Slack:Channel")]
    [InlineData("invalid_auth", "LensAI:Backend:Alerts:Slack:BotToken")]
    [InlineData("not_in_channel", "invite the app")]
    public async Task Chat_post_message_ok_false_fails_with_slacks_error_code(string code, string hint)
    {
        await using var server = await RecordingServer.StartAsync((ctx, _, _) => Json(ctx, 200, $$"""{"ok":false,"error":"{{code}}"}"""));
        using var client = new SlackClient(BotOptions(server));

        var result = await client.SendAsync(SampleAlert());

        Assert.Equal(AlertDeliveryStatus.Failed, result.Status);
        Assert.Equal(code, result.ErrorCode);
        Assert.Equal(1, result.Attempts);
        Assert.Equal(1, server.Count); // not retried
        Assert.Contains("chat.postMessage: " + code, result.Message, StringComparison.Ordinal);
        Assert.Contains(hint, result.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(BotToken, result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_429_with_retry_after_is_waited_out_on_the_clock_then_delivered_once()
    {
        var time = new FakeTimeProvider();
        await using var server = await RecordingServer.StartAsync(async (ctx, _, index) =>
        {
            if (index == 0)
            {
                ctx.Response.Headers.RetryAfter = "7";
                await Json(ctx, 429, """{"ok":false,"error":"ratelimited"}""");
            }
            else
            {
                await Json(ctx, 200, """{"ok":true,"ts":"1.2"}""");
            }
        }, time);
        var options = BotOptions(server);
        options.Retry = FakeClockRetry();
        using var client = new SlackClient(options, timeProvider: time);
        var delays = new List<TimeSpan>();
        client.OnRetryScheduled = (_, delay) => delays.Add(delay);

        var result = await DriveAsync(client.SendAsync(SampleAlert()), time);

        Assert.Equal(AlertDeliveryStatus.Delivered, result.Status);
        Assert.Equal(2, result.Attempts);
        Assert.Equal(2, server.Count);
        Assert.Equal([TimeSpan.FromSeconds(7)], delays); // Retry-After, not the 1 s backoff
        var requests = server.Requests;
        Assert.True(requests[1].ArrivedAt - requests[0].ArrivedAt >= TimeSpan.FromSeconds(7), "the retry came before Retry-After elapsed");
        Assert.Equal(requests[0].Body, requests[1].Body);
    }

    [Fact]
    public async Task Ratelimited_in_a_200_answer_is_retried_too()
    {
        await using var server = await RecordingServer.StartAsync((ctx, _, index) => index == 0
            ? Json(ctx, 200, """{"ok":false,"error":"ratelimited"}""")
            : Json(ctx, 200, """{"ok":true,"ts":"1.2"}"""));
        using var client = new SlackClient(BotOptions(server));

        var result = await client.SendAsync(SampleAlert());

        Assert.Equal(AlertDeliveryStatus.Delivered, result.Status);
        Assert.Equal(2, result.Attempts);
    }

    [Fact]
    public async Task A_retry_after_longer_than_the_cap_ends_the_delivery_at_once_with_the_delay()
    {
        await using var server = await RecordingServer.StartAsync((ctx, _, _) =>
        {
            ctx.Response.Headers.RetryAfter = "3600";
            return Text(ctx, 429, "rate_limited");
        });
        using var client = new SlackClient(new SlackOptions { WebhookUrl = WebhookUrl(server), Retry = FastRetry() });

        var result = await client.SendAsync(SampleAlert());

        Assert.Equal(AlertDeliveryStatus.RetryLater, result.Status);
        Assert.Equal(1, server.Count);
        Assert.Equal(TimeSpan.FromHours(1), result.RetryAfter);
        Assert.Contains("longer than MaxRetryAfter", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_errors_are_retried_a_bounded_number_of_times_then_retry_later()
    {
        await using var server = await RecordingServer.StartAsync((ctx, _, _) => Text(ctx, 500, "internal_error"));
        using var client = new SlackClient(new SlackOptions { WebhookUrl = WebhookUrl(server), Retry = FastRetry(maxAttempts: 3) });

        var result = await client.SendAsync(SampleAlert());

        Assert.Equal(AlertDeliveryStatus.RetryLater, result.Status);
        Assert.Equal(3, result.Attempts);
        Assert.Equal(3, server.Count);
        Assert.Equal(500, result.HttpStatus);
        Assert.Contains("gave up after 3 attempts", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_that_never_answers_ends_in_retry_later_within_the_deadline()
    {
        await using var server = await RecordingServer.StartAsync(async (ctx, _, _) =>
        {
            try
            {
                await Task.Delay(Timeout.Infinite, ctx.RequestAborted);
            }
            catch (OperationCanceledException)
            {
            }
        });
        var options = new SlackOptions
        {
            WebhookUrl = WebhookUrl(server),
            Retry = new DeliveryRetryOptions
            {
                MaxAttempts = 10,
                BaseDelay = TimeSpan.FromMilliseconds(10),
                AttemptTimeout = TimeSpan.FromMilliseconds(250),
                TotalTimeout = TimeSpan.FromSeconds(1),
                Randomizer = () => 1,
            },
        };
        using var client = new SlackClient(options);

        var clock = Stopwatch.StartNew();
        var result = await client.SendAsync(SampleAlert());
        clock.Stop();

        Assert.Equal(AlertDeliveryStatus.RetryLater, result.Status);
        Assert.Contains("no answer in time", result.Message, StringComparison.Ordinal);
        Assert.InRange(result.Attempts, 1, 10);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"took {clock.Elapsed}, the deadline is 1 s");
    }

    [Theory]
    [InlineData("text/html", "<html><body>Bad gateway (proxy)</body></html>")]
    [InlineData("application/json", """{"ok": tru""")]
    [InlineData("application/json", """{"channel":"C1"}""")]
    public async Task A_malformed_chat_post_message_answer_is_left_for_the_next_run_with_a_clear_message(string contentType, string body)
    {
        await using var server = await RecordingServer.StartAsync((ctx, _, _) => Text(ctx, 200, body, contentType));
        using var client = new SlackClient(BotOptions(server));

        var result = await client.SendAsync(SampleAlert());

        Assert.Equal(AlertDeliveryStatus.RetryLater, result.Status);
        Assert.Equal(1, server.Count); // it may have posted: no immediate second post
        Assert.Equal("malformed_response", result.ErrorCode);
        Assert.Contains("not Slack's JSON answer", result.Message, StringComparison.Ordinal);
        Assert.Contains(contentType, result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Response_url_replaces_the_original_message()
    {
        await using var server = await RecordingServer.StartAsync((ctx, _, _) => Json(ctx, 200, """{"ok":true}"""));
        using var client = new SlackClient(new SlackOptions
        {
            WebhookUrl = WebhookUrl(server),
            ResponseUrlBase = new Uri(server.BaseAddress, "actions/").AbsoluteUri,
            Retry = FastRetry(),
        });
        var until = new DateTimeOffset(2026, 11, 21, 13, 0, 0, TimeSpan.Zero);

        var result = await client.RespondAsync(new Uri(server.BaseAddress, "actions/T0LENSAI/1234/abcd"),
            SlackMessages.BuildResolved(SampleAlert(), SlackResolution.Override(until, "U024BE7LH")));

        Assert.Equal(AlertDeliveryStatus.Delivered, result.Status);
        var request = Assert.Single(server.Requests);
        Assert.Equal("/actions/T0LENSAI/1234/abcd", request.Path);
        using var body = JsonDocument.Parse(request.Body);
        Assert.True(body.RootElement.GetProperty("replace_original").GetBoolean());
        Assert.Contains("Override active until", body.RootElement.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(body.RootElement.GetProperty("blocks").EnumerateArray(), b => b.GetProperty("type").GetString() == "actions");
    }

    [Fact]
    public async Task Response_url_outside_the_configured_base_is_refused_without_a_request()
    {
        await using var server = await RecordingServer.StartAsync((ctx, _, _) => Text(ctx, 200, "ok"));
        using var client = new SlackClient(new SlackOptions { WebhookUrl = WebhookUrl(server), Retry = FastRetry() }); // base: hooks.slack.com

        var result = await client.RespondAsync(new Uri(server.BaseAddress, "actions/1"), SlackMessages.BuildAlert(SampleAlert()));

        Assert.Equal(AlertDeliveryStatus.Failed, result.Status);
        Assert.Equal(0, result.Attempts);
        Assert.Equal(0, server.Count);
    }

    [Fact]
    public async Task A_webhook_refusal_fails_without_leaking_the_url_into_results_or_logs()
    {
        await using var server = await RecordingServer.StartAsync((ctx, _, _) => Text(ctx, 404, "no_service"));
        var logger = new ListLogger<SlackClient>();
        using var client = new SlackClient(new SlackOptions { WebhookUrl = WebhookUrl(server), Retry = FastRetry() }, logger: logger);

        var result = await client.SendAsync(SampleAlert());

        Assert.Equal(AlertDeliveryStatus.Failed, result.Status);
        Assert.Equal("no_service", result.ErrorCode);
        Assert.Equal(404, result.HttpStatus);
        Assert.Equal(1, server.Count);
        Assert.Contains("WebhookUrl", result.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("webhookSecretPart42", result.Message, StringComparison.Ordinal);
        Assert.NotEmpty(logger.Lines);
        Assert.DoesNotContain(logger.Lines, line => line.Contains("webhookSecretPart42", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Network_errors_are_retried_then_left_for_the_next_run_without_the_secret()
    {
        var logger = new ListLogger<SlackClient>();
        using var client = new SlackClient(new SlackOptions
        {
            WebhookUrl = "http://127.0.0.1:1" + WebhookPath, // nothing listens on port 1
            Retry = FastRetry(maxAttempts: 2),
        }, logger: logger);

        var result = await client.SendAsync(SampleAlert());

        Assert.Equal(AlertDeliveryStatus.RetryLater, result.Status);
        Assert.Equal(2, result.Attempts);
        Assert.Contains("network error", result.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("webhookSecretPart42", result.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(logger.Lines, line => line.Contains("webhookSecretPart42", StringComparison.Ordinal));
    }

    [Fact]
    public void Options_are_validated_eagerly_and_never_print_secrets()
    {
        var error = Assert.Throws<ArgumentException>(() => new SlackClient(new SlackOptions { BotToken = BotToken }));
        Assert.Contains("LensAI:Backend:Alerts:Slack:Channel is required", error.Message, StringComparison.Ordinal);

        error = Assert.Throws<ArgumentException>(() => new SlackClient(new SlackOptions { WebhookUrl = "http://hooks.example.com/services/secret-part" }));
        Assert.Contains("LensAI:Backend:Alerts:Slack:WebhookUrl must be an absolute https URL", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-part", error.Message, StringComparison.Ordinal);

        var options = new SlackOptions { BotToken = BotToken, Channel = "#budgets", SigningSecret = "s3cr3t", Retry = new DeliveryRetryOptions { MaxAttempts = 0 } };
        error = Assert.Throws<ArgumentException>(() => new SlackClient(options));
        Assert.Contains("LensAI:Backend:Alerts:Slack:Retry:MaxAttempts", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(BotToken, options.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", options.ToString(), StringComparison.Ordinal);

        var all = new AlertsOptions { Webhook = new WebhookOptions { Url = "https://alerts.example.com/hook", Secret = "short" } };
        Assert.Contains(all.GetValidationErrors(), e => e.StartsWith("LensAI:Backend:Alerts:Webhook:Secret", StringComparison.Ordinal));
        Assert.Empty(new AlertsOptions().GetValidationErrors()); // nothing configured, nothing wrong
    }

    private static string WebhookUrl(RecordingServer server) => new Uri(server.BaseAddress, WebhookPath.TrimStart('/')).AbsoluteUri;

    private static SlackOptions BotOptions(RecordingServer server) => new()
    {
        BotToken = BotToken,
        Channel = "C0LENSAI",
        ApiBaseUrl = new Uri(server.BaseAddress, "api/").AbsoluteUri,
        Retry = FastRetry(),
    };
}
