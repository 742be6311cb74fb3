using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LensAI.Backend.Alerts;
using LensAI.Backend.Budgets;
using LensAI.Backend.Http;
using LensAI.Backend.Ingest;
using LensAI.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace LensAI.Functions.Tests;

/// <summary>
/// What an outside audit broke (issue 13), each as a class over real HTTP: bodies past every endpoint's limit, error
/// answers that grow with the input, spellings that slip past validation or the Slack replay guard, conflicting
/// re-sends, CSV cells a spreadsheet would run, personal user ids, and one key starving another.
/// </summary>
public sealed class HostileInputTests : IAsyncLifetime
{
    internal const string SigningSecret = "slack-signing-secret-for-tests-0123";
    private TestBackend _backend = null!;
    private HttpClient _http = null!;
    private string _key = null!;

    public async Task InitializeAsync()
    {
        _backend = await TestBackend.StartAsync(settings: new()
        {
            ["LensAI:Backend:Limits:MaxRequestBytes"] = "262144",
            ["LensAI:Backend:Alerts:Slack:SigningSecret"] = SigningSecret,
            ["LensAI:Backend:Projects:open:Redaction:RedactUserIds"] = "false",
        });
        _key = await _backend.CreateKeyAsync("acme");
        _http = _backend.Client(_key);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _backend.DisposeAsync();
    }

    [Fact]
    public async Task Every_endpoint_refuses_a_body_one_byte_over_its_limit()
    {
        var endpoints = _backend.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        Assert.True(endpoints.Count >= 8, $"{endpoints.Count} endpoints");
        foreach (var endpoint in endpoints)
        {
            var limit = endpoint.Metadata.GetMetadata<BodyLimit>();
            Assert.True(limit is not null, $"{endpoint.RoutePattern.RawText} declares no body limit");
            var path = endpoint.RoutePattern.RawText!.Replace("{*path}", "", StringComparison.Ordinal).TrimStart('/');
            foreach (var method in endpoint.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Where(m => m != HttpMethods.Head))
            {
                var status = await RawStatusAsync(method, path, limit.MaxBytes + 1);
                Assert.True(status == 413, $"{method} /{path} announcing {limit.MaxBytes + 1} bytes: {status}");
                if (limit.MaxBytes == 0)
                {
                    // No Content-Length at all: a chunked body is refused too.
                    using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = new StreamContent(new MemoryStream([1])) };
                    request.Headers.TransferEncodingChunked = true;
                    using var response = await _http.SendAsync(request);
                    Assert.True(response.StatusCode == HttpStatusCode.RequestEntityTooLarge, $"{method} /{path} chunked: {(int)response.StatusCode}");
                }
            }
        }
    }

    [Fact]
    public async Task A_twenty_megabyte_budgets_document_is_413_and_a_lookalike_content_type_is_415()
    {
        // As the audit sent it: the headers announce 20 MB; the answer comes before the body is read (over a raw
        // socket, since HttpClient gives up on a request whose body the server stops reading).
        Assert.Equal(413, await RawStatusAsync("PUT", "v1/budgets", 20 * 1024 * 1024));

        using var evil = new StringContent("""{"budgets":[]}""", Encoding.UTF8);
        evil.Headers.ContentType = new("application/jsonevil");
        using (var response = await _http.PutAsync("v1/budgets", evil))
        {
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        }
    }

    [Fact]
    public async Task Every_endpoint_answers_with_the_callers_project_only()
    {
        using var globex = _backend.Client(await _backend.CreateKeyAsync("globex"));
        Assert.Equal(200, (await Batches.PostAsync(_http, Batches.Content(Batches.Json([Batches.Event(userId: "acme-user")])))).Status);
        var claimed = Batches.Node(Batches.Event(userId: "globex-user"));
        claimed["project_id"] = "acme"; // the body claims the other project
        Assert.Equal(200, (await Batches.PostAsync(globex, Batches.Content(Batches.Json(claimed)))).Status);
        using (var put = await globex.PutAsync("v1/budgets", new StringContent("""{"budgets":[{"id":"globex-only","scope":"project","period":"daily","amount_usd":1,"action":"block"}]}""", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        var from = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(-1).ToString("O", CultureInfo.InvariantCulture));
        var to = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(1).ToString("O", CultureInfo.InvariantCulture));
        var answers = new Dictionary<string, string>
        {
            ["report"] = await _http.GetStringAsync($"v1/report?from={from}&to={to}"),
            ["export"] = await _http.GetStringAsync($"v1/export?from={from}&to={to}&format=csv"),
            ["budgets"] = await _http.GetStringAsync("v1/budgets"),
            ["status"] = await _http.GetStringAsync("v1/budgets/status"),
        };
        Assert.Contains("acme-user", answers["report"], StringComparison.Ordinal);
        Assert.Contains("acme-user", answers["export"], StringComparison.Ordinal);
        Assert.All(answers, a => Assert.DoesNotContain("globex", a.Value, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_audits_metadata_bomb_gets_one_small_error()
    {
        // ~250 KB of one event's metadata keys (the audit's took 11.6 s and answered 25.7 MB): one error, a small body.
        var body = new StringBuilder("{\"events\":[{\"metadata\":{");
        for (var i = 0; body.Length < 250_000; i++)
        {
            body.Append(i == 0 ? "" : ",").Append("\"k").Append(i).Append("\":1");
        }

        body.Append("}}]}");
        var (status, problem, response) = await Batches.PostAsync(_http, Batches.Content(Encoding.UTF8.GetBytes(body.ToString())));
        Assert.Equal(400, status);
        Assert.True((await response.Content.ReadAsByteArrayAsync()).Length < 4096);
        var errors = Assert.Single(problem.GetProperty("errors").EnumerateArray()).GetProperty("errors").EnumerateArray().ToList();
        Assert.Contains(errors, e => e.GetProperty("pointer").GetString() == "/events/0/metadata" && e.GetProperty("message").GetString()!.Contains("at most 32", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Error_lists_are_capped_per_event_and_per_batch_with_counts(bool withOneValidEvent)
    {
        // 1,000 events, each with 30 bad values and a bad metadata entry under a 64-character control-character key
        // (escaped six bytes a character: the worst for the answer's size), plus every missing required field.
        var events = new List<JsonNode>();
        if (withOneValidEvent)
        {
            events.Add(Batches.Node(Batches.Event()));
        }

        var raw = "{\"events\":[" + string.Join(",", events.Select(e => e.ToJsonString()).Concat(Enumerable.Repeat("{" + string.Join(",", Enumerable.Range(0, 30).Select(i => $"\"tokens_out\":\"x{i}\"")) + ",\"metadata\":{\"" + string.Concat(Enumerable.Repeat("\\u0001", 64)) + "\":7}}", 1000))) + "]}";
        var (status, body, response) = await Batches.PostAsync(_http, Batches.Content(Encoding.UTF8.GetBytes(raw), gzip: true));
        Assert.Equal(withOneValidEvent ? 200 : 400, status);
        Assert.True((await response.Content.ReadAsByteArrayAsync()).Length < 64 * 1024);
        Assert.Equal(1000, body.GetProperty("rejected_count").GetInt32());
        var listed = body.GetProperty(withOneValidEvent ? "rejected" : "errors").EnumerateArray().ToList();
        Assert.Equal(IngestEndpoint.MaxRejectedListed, listed.Count);
        Assert.All(listed, r =>
        {
            Assert.Equal(EventBatchReader.MaxErrorsPerEvent, r.GetProperty("errors").GetArrayLength());
            Assert.True(r.GetProperty("more_errors").GetInt32() > 20);
        });

        // The SDK counts every refused event as dropped, not only the listed ones.
        using var again = await _http.PostAsync("v1/events", Batches.Content(Encoding.UTF8.GetBytes(raw), gzip: true));
        Assert.Equal(1000, (await LensAI.Shipping.IngestTransport.ReadRejectionsAsync(again, CancellationToken.None)).Rejected);
    }

    public static TheoryData<string, string> RefusedEvents() => new()
    {
        { "event_id", "\"   \"" },
        { "event_id", "\"evt-1\\t\"" },
        { "ts", $"\"{DateTimeOffset.UtcNow.AddMinutes(-1):yyyy-MM-dd'T'HH:mm:ss}\"" },
    };

    [Theory]
    [MemberData(nameof(RefusedEvents))]
    public async Task Lookalike_ids_and_timestamps_without_an_offset_are_refused(string field, string json)
    {
        var e = Batches.Node(Batches.Event());
        e[field] = JsonNode.Parse(json);
        var (status, body, _) = await Batches.PostAsync(_http, Batches.Content(Batches.Json(e, e.DeepClone())));
        Assert.Equal(400, status);
        Assert.Equal("/events/0/" + field, body.GetProperty("errors")[0].GetProperty("errors")[0].GetProperty("pointer").GetString());
        Assert.Empty(await _backend.PartsAsync("acme"));
    }

    [Theory]
    [InlineData("application/jsonevil", 415)]
    [InlineData("application/json-patch+json", 415)]
    [InlineData("application/json; charset=latin1", 415)]
    [InlineData("application/json; boundary=x", 415)]
    [InlineData("text/json", 415)]
    [InlineData("application/json", 200)]
    [InlineData("Application/JSON; charset=UTF-8", 200)]
    public async Task Only_json_is_read_as_json(string contentType, int expected)
    {
        var content = new ByteArrayContent(Batches.Json([Batches.Event()]));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        Assert.Equal(expected, (await Batches.PostAsync(_http, content)).Status);
    }

    public static TheoryData<string, Func<byte[], byte[]>, int> GzipBodies() => new()
    {
        { "one gzip stream", gzip => gzip, 200 },
        { "garbage after it", gzip => [.. gzip, .. "garbage"u8], 400 },
        { "one zero byte after it", gzip => [.. gzip, 0], 400 },
        { "its own trailer again", gzip => [.. gzip, .. gzip[^8..]], 400 },
        { "cut short", gzip => gzip[..^4], 400 },
    };

    [Theory]
    [MemberData(nameof(GzipBodies))]
    public async Task A_gzip_body_is_exactly_one_gzip_stream(string _, Func<byte[], byte[]> shape, int expected)
    {
        var content = new ByteArrayContent(shape(Batches.Gzip(Batches.Json([Batches.Event()]))));
        content.Headers.ContentType = new("application/json");
        content.Headers.ContentEncoding.Add("gzip");
        var (status, body, _) = await Batches.PostAsync(_http, content);
        Assert.True(expected == status, body.ToString());
        Assert.Equal(expected == 200 ? 1 : 0, (await _backend.PartsAsync("acme")).Count);
    }

    [Fact]
    public async Task A_resent_event_id_with_other_content_is_counted_as_a_conflict_in_the_answer_and_a_metric()
    {
        using var metrics = new MetricCollector(_backend.Services.GetRequiredService<IngestMetrics>().Meter);
        var first = Batches.Event();
        async Task<int> ConflictsAsync(params UsageEvent[] events)
        {
            var (status, body, _) = await Batches.PostAsync(_http, Batches.Content(Batches.Json(events)));
            Assert.Equal(200, status);
            return body.GetProperty("conflicts").GetInt32();
        }

        Assert.Equal(0, await ConflictsAsync(first));
        Assert.Equal(0, await ConflictsAsync(first)); // a retry: the same event again
        Assert.Equal(1, await ConflictsAsync(first with { TokensOut = first.TokensOut + 1 }));
        Assert.Equal(1, await ConflictsAsync(first with { Metadata = new Dictionary<string, string> { ["k"] = "v" } }));

        var second = Batches.Event();
        Assert.Equal(1, await ConflictsAsync(second, second with { UserId = "someone-else" })); // within one batch
        Assert.Equal(3, metrics.Sum("lensai.ingest.events.conflicts"));

        // Storage keeps the first copy of each.
        var rows = await _backend.QueryAsync("acme", "SELECT tokens_out, user_id FROM {events} WHERE event_id IN ($a, $b) ORDER BY event_id", ("a", first.EventId), ("b", second.EventId));
        Assert.Equal(2, rows.Count);
        Assert.Contains(rows, r => (int)r["tokens_out"]! == first.TokensOut);
        Assert.Contains(rows, r => (string?)r["user_id"] == second.UserId);
    }

    [Fact]
    public async Task A_user_id_that_is_an_email_is_not_stored_unless_the_project_turns_redaction_off()
    {
        using var open = _backend.Client(await _backend.CreateKeyAsync("open"));
        foreach (var client in new[] { _http, open })
        {
            Assert.Equal(200, (await Batches.PostAsync(client, Batches.Content(Batches.Json([Batches.Event(userId: "jane.doe@example.com")])))).Status);
        }

        Assert.Equal("[email]", Assert.Single(await _backend.QueryAsync("acme", "SELECT user_id FROM {events}"))["user_id"]);
        Assert.Equal("jane.doe@example.com", Assert.Single(await _backend.QueryAsync("open", "SELECT user_id FROM {events}"))["user_id"]);
    }

    [Fact]
    public async Task Csv_exports_neutralize_every_cell_a_spreadsheet_would_run()
    {
        string[] formulas = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\tTAB", "\rCR", "=1,\"=2\""];
        var events = formulas.Select(f => Batches.Event(userId: f, route: f) with { RequestId = f, Model = f, Operation = f, Sdk = f, Metadata = new Dictionary<string, string> { ["k"] = f } }).ToList();
        Assert.Equal(200, (await Batches.PostAsync(_http, Batches.Content(Batches.Json(events)))).Status);

        var from = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(-1).ToString("O", CultureInfo.InvariantCulture));
        var to = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(1).ToString("O", CultureInfo.InvariantCulture));
        var csv = await _http.GetStringAsync($"v1/export?from={from}&to={to}&format=csv");
        var rows = CsvRows(csv);
        var header = rows[0];
        Assert.Equal(formulas.Length + 1, rows.Count);
        foreach (var row in rows.Skip(1))
        {
            foreach (var cell in row.Where(c => c.Length > 0))
            {
                Assert.DoesNotContain(cell[0], "=+-@\t\r");
            }

            var byName = header.Zip(row).ToDictionary(p => p.First, p => p.Second);
            var original = formulas.Single(f => byName["user_id"] == "'" + f);
            foreach (var column in new[] { "user_id", "route", "request_id", "model", "operation", "sdk" })
            {
                Assert.Equal("'" + original, byName[column]);
            }
        }

        // Parquet keeps the values exactly.
        Assert.Equal(formulas.Order(StringComparer.Ordinal), (await _backend.QueryAsync("acme", "SELECT user_id FROM {events} ORDER BY user_id")).Select(r => (string)r["user_id"]!));
    }

    /// <summary>
    /// Sends a request whose headers announce <paramref name="contentLength"/> bytes of JSON, then up to 64 KB of them,
    /// and reads the status line of the answer.
    /// </summary>
    private async Task<int> RawStatusAsync(string method, string path, long contentLength)
    {
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(_backend.BaseAddress.Host, _backend.BaseAddress.Port);
        var stream = client.GetStream();
        var head = $"{method} /{path} HTTP/1.1\r\nHost: {_backend.BaseAddress.Authority}\r\nAuthorization: Bearer {_key}\r\nContent-Type: application/json\r\nContent-Length: {contentLength}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        await stream.WriteAsync(new byte[(int)Math.Min(contentLength, 64 * 1024)]);
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var status = await reader.ReadLineAsync();
        return int.Parse(status!.Split(' ')[1], CultureInfo.InvariantCulture);
    }

    /// <summary>RFC 4180 rows (quoted cells may hold commas, quotes and line breaks).</summary>
    internal static List<List<string>> CsvRows(string text)
    {
        var rows = new List<List<string>>();
        var row = new List<string>();
        var cell = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    cell.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    cell.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                row.Add(cell.ToString());
                cell.Clear();
            }
            else if (c == '\n')
            {
                row.Add(cell.ToString());
                cell.Clear();
                rows.Add(row);
                row = [];
            }
            else if (c != '\r')
            {
                cell.Append(c);
            }
        }

        return rows;
    }

    [Fact]
    public async Task A_signed_slack_action_is_handled_once_however_its_headers_are_spelled()
    {
        using (var put = await _http.PutAsync("v1/budgets", new StringContent("""{"budgets":[{"id":"monthly","scope":"project","period":"monthly","amount_usd":3,"action":"block"}]}""", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        var now = DateTimeOffset.UtcNow;
        var value = new SlackActionValue("acme", "monthly", null, new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero), 3m).ToJson();
        var form = "payload=" + Uri.EscapeDataString(JsonSerializer.Serialize(new
        {
            type = "block_actions",
            user = new { id = "U0OPS", username = "ops" },
            actions = new[] { new { action_id = SlackMessages.OverrideActionId, value } },
        }));
        var ts = now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signature = SlackSignature.Compute(SigningSecret, ts, Encoding.UTF8.GetBytes(form));
        Assert.Equal(HttpStatusCode.OK, await SlackAsync(form, ts, signature));

        var hex = signature["v0=".Length..];
        string[][] spellings =
        [
            [ts, signature],
            [ts, "v0=" + hex.ToUpperInvariant()],
            [ts, "v0=" + string.Concat(hex.Select((c, i) => i % 2 == 0 ? char.ToUpperInvariant(c) : c))],
            [ts, "  " + signature + " "],
            [" " + ts + "  ", signature],
            ["0" + ts, SlackSignature.Compute(SigningSecret, "0" + ts, Encoding.UTF8.GetBytes(form))], // the same instant, re-signed
            ["00" + ts, SlackSignature.Compute(SigningSecret, "00" + ts, Encoding.UTF8.GetBytes(form)).ToUpperInvariant().Replace("V0=", "v0=", StringComparison.Ordinal)],
        ];
        foreach (var spelling in spellings)
        {
            Assert.Equal(HttpStatusCode.Conflict, await SlackAsync(form, spelling[0], spelling[1]));
        }

        var audit = await _backend.Services.GetRequiredService<BudgetStore>().AuditTrailAsync("acme", CancellationToken.None);
        Assert.Single(audit, a => a.Action == "budget.override");
    }

    public static TheoryData<string> MalformedSlackForms() =>
    [
        "",
        "nothing=here",
        "payload=",
        "payload=not-json",
        "payload=%5B1%2C2%5D",
        "payload=%22text%22",
        "payload=" + Uri.EscapeDataString("""{"actions":"x"}"""),
        "payload=" + Uri.EscapeDataString("""{"actions":[1]}"""),
        "payload=" + Uri.EscapeDataString("""{"actions":[{}]}"""),
        "payload=" + Uri.EscapeDataString("""{"actions":[{"action_id":5,"value":{"x":1}}],"user":"me"}"""),
        "payload=" + Uri.EscapeDataString("""{"actions":[{"action_id":"lensai_override","value":"{\"p\":1}"}]}"""),
        "payload=" + Uri.EscapeDataString("""{"actions":[{"action_id":"other","value":"x"}],"user":{"id":7},"response_url":12}"""),
        "payload=" + Uri.EscapeDataString(new string('[', 100) + new string(']', 100)),
        "payload=a&payload=b",
        "payload=%FF%FE",
    ];

    [Theory]
    [MemberData(nameof(MalformedSlackForms))]
    public async Task A_validly_signed_slack_request_with_a_malformed_payload_is_400(string form)
    {
        var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        Assert.Equal(HttpStatusCode.BadRequest, await SlackAsync(form, ts, SlackSignature.Compute(SigningSecret, ts, Encoding.UTF8.GetBytes(form))));
    }

    private async Task<HttpStatusCode> SlackAsync(string form, string ts, string signature)
    {
        using var http = _backend.Client(null);
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/slack/actions") { Content = new StringContent(form, Encoding.UTF8, "application/x-www-form-urlencoded") };
        request.Headers.TryAddWithoutValidation(SlackSignature.TimestampHeader, ts);
        request.Headers.TryAddWithoutValidation(SlackSignature.SignatureHeader, signature);
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }
}
