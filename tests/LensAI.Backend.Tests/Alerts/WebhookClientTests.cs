using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using LensAI.Backend.Alerts;
using LensAI.Testing;
using static LensAI.Backend.Tests.Alerts.DeliveryTestSupport;

namespace LensAI.Backend.Tests.Alerts;

public sealed class WebhookClientTests
{
    private const string Secret = "webhook-shared-secret-0123456789";

    // Computed once with Node's crypto, independently of the code under test:
    //   node -e 'const c=require("crypto"); console.log("sha256="+c.createHmac("sha256",SECRET).update(TS+"."+BODY).digest("hex"))'
    private const string VectorTimestamp = "1795262400";
    private const string VectorBody = """{"alert_id":"acme:b1:20261101:threshold-75"}""";
    private const string VectorSignature = "sha256=d5a375934b56a54f7d06189fba21d375af67ea22ca565f87e5ab85f46864b75d";

    [Fact]
    public async Task Signed_json_round_trips_through_the_receivers_verifier()
    {
        var time = new FakeTimeProvider();
        var verdicts = new ConcurrentQueue<SignatureVerification>();
        await using var server = await RecordingServer.StartAsync(async (ctx, request, _) =>
        {
            verdicts.Enqueue(WebhookClient.VerifySignature(Secret, ctx.Request.Headers, request.Body, time));
            ctx.Response.StatusCode = 204;
            await ctx.Response.CompleteAsync();
        }, time);
        using var client = new WebhookClient(Options(server), timeProvider: time);
        var alert = SampleAlert();

        var result = await client.SendAsync(alert);

        Assert.Equal(AlertDeliveryStatus.Delivered, result.Status);
        Assert.Equal(204, result.HttpStatus);
        Assert.True(Assert.Single(verdicts).IsValid);
        var request = Assert.Single(server.Requests);
        Assert.Equal("application/json; charset=utf-8", request.Header("Content-Type"));
        Assert.Equal(time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), request.Header(WebhookClient.TimestampHeader));
        Assert.StartsWith("sha256=", request.Header(WebhookClient.SignatureHeader), StringComparison.Ordinal);
        Assert.Equal(alert.AlertId, request.Header(WebhookClient.AlertIdHeader));

        using var body = JsonDocument.Parse(request.Body);
        var root = body.RootElement;
        Assert.Equal("budget_alert", root.GetProperty("type").GetString());
        Assert.Equal(1, root.GetProperty("schema_version").GetInt32());
        Assert.Equal("acme:b-users:20261101:threshold-75", root.GetProperty("alert_id").GetString());
        Assert.Equal("acme", root.GetProperty("project").GetString());
        Assert.Equal("b-users", root.GetProperty("budget_id").GetString());
        Assert.Equal("user", root.GetProperty("scope").GetProperty("kind").GetString());
        Assert.Equal("alice", root.GetProperty("scope").GetProperty("value").GetString());
        Assert.Equal("monthly", root.GetProperty("period").GetString());
        Assert.Equal(PeriodStart, root.GetProperty("period_start").GetDateTimeOffset());
        Assert.Equal(PeriodEnd, root.GetProperty("period_end").GetDateTimeOffset());
        Assert.Equal("threshold", root.GetProperty("kind").GetString());
        Assert.Equal(75, root.GetProperty("threshold_percent").GetInt32());
        Assert.Equal(75.5m, root.GetProperty("spent_usd").GetDecimal());
        Assert.Equal(100m, root.GetProperty("limit_usd").GetDecimal());
        Assert.Equal(75.5m, root.GetProperty("percent").GetDecimal());
        Assert.Equal(131.25m, root.GetProperty("forecast_usd").GetDecimal());
        Assert.Equal(ProjectedExceedAt, root.GetProperty("projected_exceed_at").GetDateTimeOffset());
        Assert.Equal("gpt-4o-2024-08-06", root.GetProperty("top_models")[0].GetProperty("name").GetString());
        Assert.Equal(50.25m, root.GetProperty("top_models")[0].GetProperty("cost_usd").GetDecimal());
        Assert.Equal("alice", root.GetProperty("top_users")[0].GetProperty("name").GetString());
        Assert.Equal(3, root.GetProperty("unpriced_calls").GetInt64());
        Assert.Equal("my-finetune-v2", root.GetProperty("unpriced_models")[0].GetString());
        Assert.Equal(0, root.GetProperty("estimated_calls").GetInt64());
        Assert.Equal("block", root.GetProperty("action").GetString());
        Assert.False(root.GetProperty("blocked").GetBoolean());
        Assert.StartsWith("[LensAI] acme · user alice", root.GetProperty("summary").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Absent_values_are_null_in_the_payload()
    {
        var alert = SampleAlert(kind: BudgetAlertKind.Unpriced) with { Scope = BudgetScope.Project, ForecastUsd = null, ProjectedExceedAt = null };
        using var body = JsonDocument.Parse(WebhookClient.BuildPayload(alert));
        var root = body.RootElement;
        Assert.Equal(JsonValueKind.Null, root.GetProperty("scope").GetProperty("value").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("threshold_percent").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("forecast_usd").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("projected_exceed_at").ValueKind);
        Assert.Equal("unpriced", root.GetProperty("kind").GetString());
    }

    [Fact]
    public void Signature_matches_the_independent_vector_and_binds_the_timestamp()
    {
        var body = Encoding.UTF8.GetBytes(VectorBody);
        var at = DateTimeOffset.FromUnixTimeSeconds(1795262400);
        Assert.Equal(VectorSignature, WebhookClient.ComputeSignature(Secret, VectorTimestamp, body));
        Assert.True(WebhookClient.VerifySignature(Secret, VectorTimestamp, VectorSignature, body, at).IsValid);

        Assert.Equal(SignatureFailure.BadSignature, WebhookClient.VerifySignature(Secret, "1795262401", VectorSignature, body, at).Failure);
        Assert.Equal(SignatureFailure.BadSignature,
            WebhookClient.VerifySignature(Secret, VectorTimestamp, VectorSignature, Encoding.UTF8.GetBytes(VectorBody + " "), at).Failure);
        Assert.Equal(SignatureFailure.BadSignature, WebhookClient.VerifySignature("another-secret-0123456789", VectorTimestamp, VectorSignature, body, at).Failure);
        Assert.Equal(SignatureFailure.Stale, WebhookClient.VerifySignature(Secret, VectorTimestamp, VectorSignature, body, at.AddMinutes(10)).Failure);
        Assert.Equal(SignatureFailure.MissingHeader, WebhookClient.VerifySignature(Secret, VectorTimestamp, null, body, at).Failure);
        Assert.Equal(SignatureFailure.MalformedHeader,
            WebhookClient.VerifySignature(Secret, VectorTimestamp, VectorSignature.Replace("sha256=", "sha1=", StringComparison.Ordinal), body, at).Failure);
    }

    [Fact]
    public async Task A_503_is_retried_with_a_fresh_signature_and_delivered_once()
    {
        await using var server = await RecordingServer.StartAsync((ctx, _, index) =>
        {
            if (index == 0)
            {
                ctx.Response.Headers.RetryAfter = "0";
                return Text(ctx, 503, "busy");
            }

            return Text(ctx, 200, "thanks");
        });
        using var client = new WebhookClient(Options(server));

        var result = await client.SendAsync(SampleAlert());

        Assert.Equal(AlertDeliveryStatus.Delivered, result.Status);
        Assert.Equal(2, result.Attempts);
        Assert.All(server.Requests, r => Assert.True(WebhookClient.VerifySignature(Secret, r.Header(WebhookClient.TimestampHeader),
            r.Header(WebhookClient.SignatureHeader), r.Body, DateTimeOffset.UtcNow).IsValid));
    }

    [Theory]
    [InlineData(400, "HTTP 400: unknown field")]
    [InlineData(410, "HTTP 410")]
    [InlineData(302, "redirects are not followed")]
    public async Task Client_errors_and_redirects_fail_at_once(int status, string expected)
    {
        await using var server = await RecordingServer.StartAsync((ctx, _, _) =>
        {
            if (status == 302)
            {
                ctx.Response.Headers.Location = "https://elsewhere.example.com/";
            }

            return Text(ctx, status, status == 400 ? "unknown field" : string.Empty);
        });
        using var client = new WebhookClient(Options(server));

        var result = await client.SendAsync(SampleAlert());

        Assert.Equal(AlertDeliveryStatus.Failed, result.Status);
        Assert.Equal(status, result.HttpStatus);
        Assert.Equal(1, server.Count);
        Assert.Contains(expected, result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Url_tokens_and_the_secret_never_reach_results_or_logs()
    {
        await using var server = await RecordingServer.StartAsync((ctx, _, _) => Text(ctx, 500, "oops"));
        var logger = new ListLogger<WebhookClient>();
        var options = Options(server);
        options.Url += "?token=urlTokenValue99";
        using var client = new WebhookClient(options, logger: logger);

        var result = await client.SendAsync(SampleAlert());

        Assert.Equal(AlertDeliveryStatus.RetryLater, result.Status);
        Assert.NotEmpty(logger.Lines);
        foreach (var text in logger.Lines.Append(result.Message).Append(options.ToString()))
        {
            Assert.DoesNotContain("urlTokenValue99", text, StringComparison.Ordinal);
            Assert.DoesNotContain(Secret, text, StringComparison.Ordinal);
        }
    }

    private static WebhookOptions Options(RecordingServer server) => new()
    {
        Url = new Uri(server.BaseAddress, "hooks/lensai").AbsoluteUri,
        Secret = Secret,
        Retry = FastRetry(),
    };
}
