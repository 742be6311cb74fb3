using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LensAI.Backend.Alerts;
using LensAI.Backend.Budgets;
using LensAI.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace LensAI.Functions.Tests;

/// <summary>
/// The isolated worker's HTTP functions, invoked directly with real requests over a real backend (the worker's own
/// composition over a temp folder): the same status codes and bodies as the ASP.NET Core app, including what that app
/// used to get from middleware — the key check (401), the per-key rate limit (429 + Retry-After), body limits (413)
/// and problem+json.
/// </summary>
public sealed class WorkerHttpFunctionTests
{
    private static readonly Dictionary<string, string?> s_smallLimits = new()
    {
        ["LensAI:Backend:Limits:MaxRequestBytes"] = "65536",
        ["LensAI:Backend:Limits:MaxDecompressedBytes"] = "1048576",
        ["LensAI:Backend:RateLimitPerSecond"] = "1",
        ["LensAI:Backend:RateLimitBurst"] = "30",
    };

    /// <summary>One request, sent to both hosts: over HTTP to the ASP.NET Core app, and straight into the worker's function.</summary>
    private sealed record Case(string Name, string Method, string PathAndQuery, bool WithKey, byte[]? Body, string? ContentType = "application/json", string? ContentEncoding = null, string? Authorization = null);

    [Fact]
    public async Task Every_endpoint_answers_as_the_aspnet_app_does_status_type_and_body()
    {
        var time = new LensAI.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await TestBackend.StartAsync(b => b.Services.AddSingleton<TimeProvider>(time), s_smallLimits);
        await using var worker = WorkerHost.Create(s_smallLimits, b => b.Services.AddSingleton<TimeProvider>(time));
        var serverKey = await server.CreateKeyAsync("acme");
        var workerKey = await worker.CreateKeyAsync("acme");
        var events = Enumerable.Range(0, 3).Select(i => Batches.Event(ts: time.GetUtcNow().AddMinutes(-10 - i))).ToList();
        var bad = Batches.Node(Batches.Event());
        bad["tokens_in"] = -1;
        var budgets = """{"time_zone":"UTC","budgets":[{"id":"monthly","scope":"project","period":"monthly","amount_usd":5.00,"action":"block","forecast":false}]}"""u8.ToArray();
        var day = time.GetUtcNow().ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var nextDay = time.GetUtcNow().AddDays(1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        Case[] cases =
        [
            new("ingest", "POST", "/v1/events", true, Batches.Json(events)),
            new("ingest again (deduplicated later)", "POST", "/v1/events", true, Batches.Json(events)),
            new("ingest gzip", "POST", "/v1/events", true, Batches.Gzip(Batches.Json([Batches.Event(ts: time.GetUtcNow().AddMinutes(-1))])), ContentEncoding: "gzip"),
            new("ingest partial", "POST", "/v1/events", true, Batches.Json(Batches.Node(Batches.Event(ts: time.GetUtcNow().AddMinutes(-2))), bad.DeepClone())),
            new("ingest invalid", "POST", "/v1/events", true, Batches.Json(bad)),
            new("ingest empty", "POST", "/v1/events", true, "{\"events\":[]}"u8.ToArray()),
            new("ingest malformed", "POST", "/v1/events", true, "{\"events\":["u8.ToArray()),
            new("ingest no key", "POST", "/v1/events", false, Batches.Json(events)),
            new("ingest basic auth", "POST", "/v1/events", false, Batches.Json(events), Authorization: "Basic abc"),
            new("ingest wrong key", "POST", "/v1/events", false, Batches.Json(events), Authorization: "Bearer lsk_aaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"),
            new("ingest too large", "POST", "/v1/events", true, new byte[65537]),
            new("ingest gzip bomb", "POST", "/v1/events", true, Batches.Gzip(new byte[2 * 1024 * 1024]), ContentEncoding: "gzip"),
            new("ingest text/plain", "POST", "/v1/events", true, Batches.Json(events), ContentType: "text/plain"),
            new("ingest brotli", "POST", "/v1/events", true, Batches.Json(events), ContentEncoding: "br"),
            new("status before budgets", "GET", "/v1/budgets/status", true, null),
            new("budgets put invalid", "PUT", "/v1/budgets", true, "{\"budgets\":[{\"id\":\"\"}]}"u8.ToArray()),
            new("budgets put", "PUT", "/v1/budgets", true, budgets),
            new("budgets get", "GET", "/v1/budgets", true, null),
            new("budgets put too large", "PUT", "/v1/budgets", true, new byte[1024 * 1024 + 1]),
            new("status", "GET", "/v1/budgets/status", true, null),
            new("export csv", "GET", $"/v1/export?from={day}&to={nextDay}&format=csv", true, null),
            new("export bad range", "GET", "/v1/export?from=yesterday&to=today", true, null),
            new("export bad format", "GET", $"/v1/export?from={day}&to={nextDay}&format=xlsx", true, null),
            new("report", "GET", $"/v1/report?from={day}&to={nextDay}&top=5", true, null),
            new("report bad range", "GET", $"/v1/report?from={nextDay}&to={day}", true, null),
            new("report no key", "GET", "/v1/report", false, null),
            new("slack not configured", "POST", "/v1/slack/actions", false, "payload=%7B%7D"u8.ToArray(), ContentType: "application/x-www-form-urlencoded"),
            new("healthz", "GET", "/healthz", false, null),
            new("dashboard redirect", "GET", "/dashboard", false, null),
            new("dashboard page", "GET", "/dashboard/", false, null),
            new("dashboard missing file", "GET", "/dashboard/nope.js", false, null),
        ];

        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = server.BaseAddress };
        foreach (var c in cases)
        {
            using var request = new HttpRequestMessage(new HttpMethod(c.Method), c.PathAndQuery.TrimStart('/'));
            if (c.Body is not null)
            {
                request.Content = new ByteArrayContent(c.Body);
                request.Content.Headers.ContentType = c.ContentType is null ? null : MediaTypeHeaderValue.Parse(c.ContentType);
                if (c.ContentEncoding is not null)
                {
                    request.Content.Headers.ContentEncoding.Add(c.ContentEncoding);
                }
            }

            if (c.WithKey)
            {
                request.Headers.Authorization = new("Bearer", serverKey);
            }
            else if (c.Authorization is not null)
            {
                request.Headers.TryAddWithoutValidation("Authorization", c.Authorization);
            }

            using var expected = await http.SendAsync(request);
            var expectedBody = await expected.Content.ReadAsByteArrayAsync();

            var context = worker.Request(c.Method, c.PathAndQuery, c.WithKey ? workerKey : null, c.Body, c.ContentType, c.ContentEncoding);
            if (c.Authorization is not null)
            {
                context.Request.Headers.Authorization = c.Authorization;
            }

            var actual = await InvokeAsync(worker, context);
            Assert.True((int)expected.StatusCode == actual.Status, $"{c.Name}: ASP.NET app {(int)expected.StatusCode}, worker {actual.Status} {actual.Text}");
            Assert.True(expected.Content.Headers.ContentType?.MediaType == MediaTypeHeaderValue.Parse(actual.ContentType ?? "application/octet-stream").MediaType
                || (expectedBody.Length == 0 && actual.Body.Length == 0), $"{c.Name}: content type {expected.Content.Headers.ContentType} vs {actual.ContentType}");
            Assert.True(Normalize(expectedBody, serverKey) == Normalize(actual.Body, workerKey), $"{c.Name}:\n  ASP.NET app: {Normalize(expectedBody, serverKey)}\n  worker:      {Normalize(actual.Body, workerKey)}");
            foreach (var header in new[] { "Retry-After", "Location", "Cache-Control", "Content-Security-Policy" })
            {
                var fromServer = expected.Headers.NonValidated.TryGetValues(header, out var v) ? string.Join(",", v) : null; // as sent, not re-formatted
                var fromWorker = actual.Headers.TryGetValue(header, out var w) ? w.ToString() : null;
                Assert.True(fromServer == fromWorker || header == "Location" && fromServer?.EndsWith(fromWorker ?? "?", StringComparison.Ordinal) == true, $"{c.Name}: {header} '{fromServer}' vs '{fromWorker}'");
            }
        }

        // Past the burst, both limit the key with 429 + Retry-After and the same problem document.
        var (serverStatus, serverBody, serverRetry) = (0, "", (string?)null);
        var (workerStatus, workerBody, workerRetry) = (0, "", (string?)null);
        for (var i = 0; i < 200 && serverStatus != 429; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "v1/budgets/status");
            request.Headers.Authorization = new("Bearer", serverKey);
            using var response = await http.SendAsync(request);
            (serverStatus, serverBody, serverRetry) = ((int)response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers.RetryAfter?.ToString());
        }

        for (var i = 0; i < 200 && workerStatus != 429; i++)
        {
            var response = await InvokeAsync(worker, worker.Request("GET", "/v1/budgets/status", workerKey));
            (workerStatus, workerBody, workerRetry) = (response.Status, response.Text, response.Headers.RetryAfter.ToString());
        }

        Assert.Equal(429, serverStatus);
        Assert.Equal(429, workerStatus);
        Assert.Equal("1", serverRetry);
        Assert.Equal("1", workerRetry);
        Assert.Equal(Normalize(Encoding.UTF8.GetBytes(serverBody), serverKey), Normalize(Encoding.UTF8.GetBytes(workerBody), workerKey));
        Assert.Contains("rate-limited", workerBody, StringComparison.Ordinal);
    }

    /// <summary>Routes a request to the function that owns its path, as the Functions host would.</summary>
    private static Task<WorkerResponse> InvokeAsync(WorkerHost worker, HttpContext http)
    {
        var path = http.Request.Path.Value!;
        return path switch
        {
            "/v1/events" => WorkerHost.ExecuteAsync(http, worker.Function<EventsFunction>().RunAsync(http.Request)),
            "/v1/budgets/status" => WorkerHost.ExecuteAsync(http, worker.Function<BudgetFunctions>().StatusAsync(http.Request)),
            "/v1/budgets" when http.Request.Method == "PUT" => WorkerHost.ExecuteAsync(http, worker.Function<BudgetFunctions>().PutBudgetsAsync(http.Request)),
            "/v1/budgets" => WorkerHost.ExecuteAsync(http, worker.Function<BudgetFunctions>().BudgetsAsync(http.Request)),
            "/v1/export" => WorkerHost.ExecuteAsync(http, worker.Function<ExportFunction>().RunAsync(http.Request)),
            "/v1/report" => WorkerHost.ExecuteAsync(http, worker.Function<ReportFunction>().RunAsync(http.Request)),
            "/v1/slack/actions" => WorkerHost.ExecuteAsync(http, worker.Function<SlackActionsFunction>().RunAsync(http.Request)),
            "/v1/stripe/webhook" => WorkerHost.ExecuteAsync(http, worker.Function<StripeWebhookFunction>().RunAsync(http.Request)),
            "/healthz" => WorkerHost.ExecuteAsync(http, worker.Function<HealthFunction>().RunAsync(http.Request)),
            _ when path.StartsWith("/dashboard", StringComparison.Ordinal) => WorkerHost.ExecuteAsync(http, worker.Function<DashboardFunction>().Run(http.Request)),
            _ => throw new InvalidOperationException("no function for " + path),
        };
    }

    /// <summary>A body with what legitimately differs between two hosts removed: the trace id, the key, event ids of either run.</summary>
    private static string Normalize(byte[] body, string key)
    {
        var text = Encoding.UTF8.GetString(body).Replace(key, "<key>", StringComparison.Ordinal);
        try
        {
            var node = JsonNode.Parse(text);
            Strip(node);
            return node?.ToJsonString() ?? "null";
        }
        catch (JsonException)
        {
            return text;
        }

        static void Strip(JsonNode? node)
        {
            if (node is JsonObject o)
            {
                o.Remove("traceId");
                foreach (var (_, child) in o.ToList())
                {
                    Strip(child);
                }
            }
            else if (node is JsonArray a)
            {
                foreach (var child in a)
                {
                    Strip(child);
                }
            }
        }
    }

    [Fact]
    public async Task Events_function_stores_the_batch_under_the_keys_project_and_refuses_bad_keys_and_sizes()
    {
        await using var worker = WorkerHost.Create(s_smallLimits);
        var key = await worker.CreateKeyAsync("acme");
        var events = worker.Function<EventsFunction>();

        var e = Batches.Node(Batches.Event());
        e["project_id"] = "globex"; // the body never decides the project
        var http = worker.Request("POST", "/v1/events", key, Batches.Json(e, Batches.Node(Batches.Event())));
        var ok = await WorkerHost.ExecuteAsync(http, events.RunAsync(http.Request));
        Assert.Equal(200, ok.Status);
        Assert.Equal(2, JsonDocument.Parse(ok.Body).RootElement.GetProperty("accepted").GetInt32());
        Assert.Single(await worker.KeysAsync("events/project=acme/"));
        Assert.Empty(await worker.KeysAsync("events/project=globex/"));

        http = worker.Request("POST", "/v1/events", key: null, Batches.Json([Batches.Event()]));
        var unauthorized = await WorkerHost.ExecuteAsync(http, events.RunAsync(http.Request));
        Assert.Equal(401, unauthorized.Status);
        Assert.Equal("application/problem+json", unauthorized.ContentType);
        Assert.Contains("no Authorization header", unauthorized.Text, StringComparison.Ordinal);

        // Content-Length over the limit, and a body that only shows its size while being read (no Content-Length).
        http = worker.Request("POST", "/v1/events", key, new byte[70_000]);
        Assert.Equal(413, (await WorkerHost.ExecuteAsync(http, events.RunAsync(http.Request))).Status);
        http = worker.Request("POST", "/v1/events", key, new byte[70_000]);
        http.Request.ContentLength = null;
        var tooLarge = await WorkerHost.ExecuteAsync(http, events.RunAsync(http.Request));
        Assert.Equal(413, tooLarge.Status);
        Assert.Equal("https://lensai.dev/problems/body-too-large", JsonDocument.Parse(tooLarge.Body).RootElement.GetProperty("type").GetString());
        Assert.Single(await worker.KeysAsync("events/project=acme/"));
    }

    [Fact]
    public async Task Each_key_has_its_own_bucket_and_429_carries_retry_after()
    {
        await using var worker = WorkerHost.Create(new() { ["LensAI:Backend:RateLimitPerSecond"] = "1", ["LensAI:Backend:RateLimitBurst"] = "3" });
        var acme = await worker.CreateKeyAsync("acme");
        var globex = await worker.CreateKeyAsync("globex");
        var report = worker.Function<ReportFunction>();
        var statuses = new List<int>();
        var elapsed = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 10; i++)
        {
            var http = worker.Request("GET", "/v1/report", acme);
            var response = await WorkerHost.ExecuteAsync(http, report.RunAsync(http.Request));
            statuses.Add(response.Status);
            if (response.Status == 429)
            {
                Assert.True(int.Parse(response.Headers.RetryAfter!, System.Globalization.CultureInfo.InvariantCulture) >= 1);
                Assert.Equal("application/problem+json", response.ContentType);
            }
        }

        Assert.Contains(429, statuses);
        // The burst, plus at most what refilled meanwhile (one token a second, on the limiter's own clock: a loaded
        // machine that takes longer over the ten requests legitimately sees more of them pass).
        var refilled = (int)Math.Ceiling(elapsed.Elapsed.TotalSeconds) + 1;
        Assert.True(statuses.Count(s => s == 200) <= 3 + refilled, $"{string.Join(",", statuses)} in {elapsed.Elapsed}");
        var other = worker.Request("GET", "/v1/report", globex);
        Assert.Equal(200, (await WorkerHost.ExecuteAsync(other, report.RunAsync(other.Request))).Status);
    }

    [Fact]
    public async Task Slack_actions_function_refuses_a_bad_signature()
    {
        await using var worker = WorkerHost.Create(new() { ["LensAI:Backend:Alerts:Slack:SigningSecret"] = "slack-signing-secret-for-tests-0123" });
        var slack = worker.Function<SlackActionsFunction>();
        var body = "payload=%7B%22actions%22%3A%5B%5D%7D"u8.ToArray();
        var http = worker.Request("POST", "/v1/slack/actions", body: body, contentType: "application/x-www-form-urlencoded");
        http.Request.Headers[SlackSignature.TimestampHeader] = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        http.Request.Headers[SlackSignature.SignatureHeader] = "v0=" + new string('0', 64);
        var refused = await WorkerHost.ExecuteAsync(http, slack.RunAsync(http.Request));
        Assert.Equal(401, refused.Status);
        Assert.Equal("https://lensai.dev/problems/bad-slack-signature", JsonDocument.Parse(refused.Body).RootElement.GetProperty("type").GetString());

        var timestamp = http.Request.Headers[SlackSignature.TimestampHeader].ToString();
        http = worker.Request("POST", "/v1/slack/actions", body: body, contentType: "application/x-www-form-urlencoded");
        http.Request.Headers[SlackSignature.TimestampHeader] = timestamp;
        http.Request.Headers[SlackSignature.SignatureHeader] = SlackSignature.Compute("slack-signing-secret-for-tests-0123", timestamp, body);
        Assert.Equal(200, (await WorkerHost.ExecuteAsync(http, slack.RunAsync(http.Request))).Status); // signed, no button: nothing to do
    }

    [Fact]
    public async Task Budget_action_and_audit_functions_need_an_admin_key_and_act_like_the_app()
    {
        await using var worker = WorkerHost.Create();
        var key = await worker.CreateKeyAsync("acme");
        var put = worker.Request("PUT", "/v1/budgets", key, """{"time_zone":"UTC","budgets":[{"id":"tiny","scope":"project","period":"monthly","amount_usd":10,"action":"block","forecast":false}]}"""u8.ToArray());
        Assert.Equal(200, (await WorkerHost.ExecuteAsync(put, worker.Function<BudgetFunctions>().PutBudgetsAsync(put.Request))).Status);
        var functions = worker.Function<BudgetActionFunctions>();

        var raise = worker.Request("POST", "/v1/budgets/tiny/raise", key, """{"reason":"worker test","limit_usd":12.5}"""u8.ToArray());
        var raised = await WorkerHost.ExecuteAsync(raise, functions.RaiseAsync(raise.Request, "tiny"));
        Assert.True(raised.Status == 200, raised.Text);
        Assert.Equal("12.50", JsonDocument.Parse(raised.Body).RootElement.GetProperty("after").GetProperty("limit_usd").GetString());
        var missing = worker.Request("POST", "/v1/budgets/nope/reset", key, """{"reason":"x"}"""u8.ToArray());
        Assert.Equal(404, (await WorkerHost.ExecuteAsync(missing, functions.ResetAsync(missing.Request, "nope"))).Status);

        var audit = worker.Request("GET", "/v1/audit?kind=budget.raise", key);
        var page = await WorkerHost.ExecuteAsync(audit, functions.AuditAsync(audit.Request));
        Assert.Equal("worker test", JsonDocument.Parse(page.Body).RootElement.GetProperty("entries")[0].GetProperty("reason").GetString());

        var reader = await worker.Services.GetRequiredService<LensAI.Backend.Keys.ApiKeyStore>()
            .CreateAsync("acme", "viewer", LensAI.Backend.Keys.ApiKeyScopes.Read, null, "test", CancellationToken.None);
        var denied = worker.Request("POST", "/v1/budgets/tiny/override", reader.Key, """{"reason":"x"}"""u8.ToArray());
        Assert.Equal(403, (await WorkerHost.ExecuteAsync(denied, functions.OverrideAsync(denied.Request, "tiny"))).Status);
        var deniedAudit = worker.Request("GET", "/v1/audit", reader.Key);
        Assert.Equal(403, (await WorkerHost.ExecuteAsync(deniedAudit, functions.AuditAsync(deniedAudit.Request))).Status);
    }

    [Fact]
    public async Task Budgets_status_function_serves_the_kill_switch_with_an_etag()
    {
        await using var worker = WorkerHost.Create();
        var key = await worker.CreateKeyAsync("acme");
        var budgets = worker.Function<BudgetFunctions>();
        var put = worker.Request("PUT", "/v1/budgets", key, """{"time_zone":"UTC","budgets":[{"id":"tiny","scope":"project","period":"monthly","amount_usd":0.01,"action":"block","forecast":false}]}"""u8.ToArray());
        Assert.Equal(200, (await WorkerHost.ExecuteAsync(put, budgets.PutBudgetsAsync(put.Request))).Status);

        var http = worker.Request("GET", "/v1/budgets/status", key);
        var status = await WorkerHost.ExecuteAsync(http, budgets.StatusAsync(http.Request));
        Assert.Equal(200, status.Status);
        var document = JsonSerializer.Deserialize(status.Body, LensAI.Budgets.BudgetStatusJsonContext.Default.BudgetStatusDocument)!;
        Assert.Equal("acme", document.ProjectId);
        Assert.Equal("tiny", Assert.Single(document.Budgets).BudgetId);

        var again = worker.Request("GET", "/v1/budgets/status", key);
        again.Request.Headers.IfNoneMatch = status.Headers.ETag.ToString();
        Assert.Equal(304, (await WorkerHost.ExecuteAsync(again, budgets.StatusAsync(again.Request))).Status);
        Assert.NotNull(await worker.Services.GetRequiredService<BudgetStore>().GetStatusAsync("acme", CancellationToken.None));
    }
}
