using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using LensAI.Backend.Alerts;
using LensAI.Testing;

namespace LensAI.Functions.Tests;

/// <summary>
/// Bounded, seeded fuzzing over real HTTP (issue 13): mutations of valid ingest batches, Slack interactions (validly
/// signed, so the payload is what is attacked) and budget documents. Whatever the input: no 5xx, an answer of a
/// bounded size, and a valid request still succeeds afterwards. Each test draws one fixed list of cases from a fixed
/// seed (CsCheck: a failure shrinks to the fewest, simplest mutations and prints the seed that replays it); set the
/// environment variable <c>CsCheck_Seed</c> to explore other lists.
/// </summary>
public sealed class FuzzTests : IAsyncLifetime
{
    private const string Seed = "0N0XIzNsQ0O2";
    private TestBackend _backend = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _backend = await TestBackend.StartAsync(settings: new()
        {
            ["LensAI:Backend:Limits:MaxRequestBytes"] = "262144",
            ["LensAI:Backend:Limits:MaxDecompressedBytes"] = "1048576",
            ["LensAI:Backend:Alerts:Slack:SigningSecret"] = HostileInputTests.SigningSecret,
        });
        _http = _backend.Client(await _backend.CreateKeyAsync("acme"));
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _backend.DisposeAsync();
    }

    /// <summary>JSON text an attacker would try in place of a value.</summary>
    private static readonly Gen<string> s_hostileValue = Gen.OneOf(
        Gen.OneOf<string>("null", "true", "false", "0", "-0", "-1", "1e999", "-1e999", "1.5", "9223372036854775808", "18446744073709551616",
            "\"\"", "\"   \"", "\"\\u0000\"", "\"\\ud800\"", "\"\\u0001\\t\\r\\n\"", "\"2026-01-01T00:00:00\"", "\"=cmd|' /C calc'!A0\"",
            "[]", "{}", "[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]", "{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":{\"g\":{}}}}}}}}"),
        Gen.Long.Select(n => n.ToString(CultureInfo.InvariantCulture)),
        Gen.Double.Select(d => double.IsFinite(d) ? d.ToString("R", CultureInfo.InvariantCulture) : "0"),
        Gen.String.Select(s => JsonSerializer.Serialize(s)),
        Gen.Int[1, 5000].Select(n => "\"" + new string('x', n) + "\""),
        Gen.Int[1, 2000].Select(n => "{" + string.Join(",", Enumerable.Range(0, n).Select(i => $"\"k{i}\":\"v\"")) + "}"));

    /// <summary>Raw bytes an attacker would splice in.</summary>
    private static readonly Gen<string> s_fragment = Gen.OneOf(s_hostileValue, Gen.OneOf<string>("{", "}", "[", "]", "\"", ",", ":", "\\", "\"events\":", "/*", "\u00ff"));

    /// <summary>One edit of a text: (kind, where as a fraction of the length, how long, what to splice in).</summary>
    private static readonly Gen<(int Kind, double At, int Length, string Fragment)> s_edit = Gen.Select(Gen.Int[0, 5], Gen.Double.Unit, Gen.Int[1, 64], s_fragment);

    private static string Apply(string text, (int Kind, double At, int Length, string Fragment)[] edits)
    {
        foreach (var (kind, at, length, fragment) in edits)
        {
            var i = (int)(at * text.Length);
            var n = Math.Min(length, text.Length - i);
            text = kind switch
            {
                0 => text[..i] + (char)(i * 31 % 128) + text[Math.Min(i + 1, text.Length)..],  // one character changed
                1 => text[..i] + fragment + text[i..],                                           // something spliced in
                2 => text[..i] + text[(i + n)..],                                                // a range cut out
                3 => string.Concat(text.AsSpan(0, i + n), text.AsSpan(i)),                       // a range repeated
                4 => text[..i],                                                                  // cut short
                _ => ReplaceValue(text, i, fragment),                                            // a value replaced
            };
        }

        return text;
    }

    /// <summary>Replaces the value after the first <c>":</c> at or after <paramref name="at"/> (up to the next , } or ]).</summary>
    private static string ReplaceValue(string text, int at, string value)
    {
        var colon = text.IndexOf("\":", at, StringComparison.Ordinal);
        if (colon < 0)
        {
            return text;
        }

        var end = text.IndexOfAny([',', '}', ']'], colon + 2);
        return text[..(colon + 2)] + value + (end < 0 ? "" : text[end..]);
    }

    [Fact]
    public async Task Mutated_batches_never_get_a_5xx()
    {
        var valid = Encoding.UTF8.GetString(Batches.Json([Batches.Event(), Batches.Event(userId: "jane@example.com"), Batches.Event()]));
        var contentTypes = new[] { "application/json", "application/json; charset=utf-8", "application/jsonevil", "text/plain", "application/x-www-form-urlencoded" };
        var cases = Gen.Select(s_edit.Array[1, 6], Gen.Int[0, 3], Gen.Int[0, contentTypes.Length - 1]).Array[250];
        await cases.SampleAsync(async list =>
        {
            foreach (var (edits, encoding, type) in list)
            {
                var body = Encoding.UTF8.GetBytes(Apply(valid, edits));
                var content = new ByteArrayContent(encoding switch
                {
                    0 => body,
                    1 => Batches.Gzip(body),
                    2 => [.. Batches.Gzip(body), .. body.Take(7)], // gzip with trailing bytes
                    _ => Batches.Gzip(body)[..^3],                  // gzip cut short
                });
                content.Headers.TryAddWithoutValidation("Content-Type", contentTypes[type]);
                if (encoding > 0)
                {
                    content.Headers.ContentEncoding.Add("gzip");
                }

                using var response = await _http.PostAsync("v1/events", content);
                await AssertHandledAsync(response, HttpStatusCode.OK, HttpStatusCode.BadRequest, HttpStatusCode.RequestEntityTooLarge, HttpStatusCode.UnsupportedMediaType);
            }
        }, seed: Seed, iter: 1, threads: 1);

        Assert.Equal(200, (await Batches.PostAsync(_http, Batches.Content(Batches.Json([Batches.Event()])))).Status);
    }

    [Fact]
    public async Task Mutated_budget_documents_never_get_a_5xx()
    {
        const string Valid = """
            {"time_zone":"Europe/Paris","budgets":[
              {"id":"monthly","scope":"project","period":"monthly","amount_usd":300,"thresholds":[50,75,90,100],"action":"block","override_window":"01:00:00"},
              {"id":"route","scope":"route","scope_value":"POST /chat","period":"daily","amount_usd":5,"action":"alert"},
              {"id":"meta","scope":"metadata","scope_value":"plan=pro","period":"weekly","amount_usd":20,"action":"alert"}],
             "default_user_budget":{"tiers":{"free":{"period":"daily","amount_usd":1,"action":"block"}}}}
            """;
        var cases = s_edit.Array[1, 5].Array[120];
        await cases.SampleAsync(async list =>
        {
            foreach (var edits in list)
            {
                using var response = await _http.PutAsync("v1/budgets", new StringContent(Apply(Valid, edits), Encoding.UTF8, "application/json"));
                await AssertHandledAsync(response, HttpStatusCode.OK, HttpStatusCode.BadRequest);
            }
        }, seed: Seed, iter: 1, threads: 1);

        using var valid = await _http.PutAsync("v1/budgets", new StringContent(Valid, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, valid.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync("v1/budgets/status")).StatusCode);
    }

    [Fact]
    public async Task Mutated_slack_interactions_with_a_valid_signature_never_get_a_5xx()
    {
        var value = new SlackActionValue("acme", "monthly", null, new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), 3m, "a|threshold100").ToJson();
        var valid = JsonSerializer.Serialize(new
        {
            type = "block_actions",
            user = new { id = "U0OPS", username = "ops" },
            actions = new[] { new { action_id = SlackMessages.OverrideActionId, value } },
            response_url = "http://127.0.0.1:9/actions/T000/123/abc",
        });
        var cases = Gen.Select(s_edit.Array[1, 5], Gen.Bool).Array[200];
        var n = 0;
        await cases.SampleAsync(async list =>
        {
            foreach (var (edits, escaped) in list)
            {
                // Unique per request (a repeat would be a replay): the mutated payload, then a counter the form ignores.
                var payload = Apply(valid, edits);
                var form = (escaped ? "payload=" + Uri.EscapeDataString(payload) : "payload=" + payload) + "&n=" + Interlocked.Increment(ref n).ToString(CultureInfo.InvariantCulture);
                using var response = await SlackAsync(form);
                await AssertHandledAsync(response, HttpStatusCode.OK, HttpStatusCode.BadRequest);
            }
        }, seed: Seed, iter: 1, threads: 1);

        using var shortcut = await SlackAsync("payload=" + Uri.EscapeDataString("""{"type":"shortcut"}"""));
        Assert.Equal(HttpStatusCode.OK, shortcut.StatusCode);
    }

    private async Task<HttpResponseMessage> SlackAsync(string form)
    {
        var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var request = new HttpRequestMessage(HttpMethod.Post, "v1/slack/actions") { Content = new StringContent(form, Encoding.UTF8) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");
        request.Headers.Add(SlackSignature.TimestampHeader, ts);
        request.Headers.Add(SlackSignature.SignatureHeader, SlackSignature.Compute(HostileInputTests.SigningSecret, ts, Encoding.UTF8.GetBytes(form)));
        using var http = _backend.Client(null);
        return await http.SendAsync(request);
    }

    /// <summary>One of the expected statuses (never a 5xx), and an answer of at most 64 KB.</summary>
    private static async Task AssertHandledAsync(HttpResponseMessage response, params HttpStatusCode[] expected)
    {
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.True(expected.Contains(response.StatusCode), $"{(int)response.StatusCode}: {Encoding.UTF8.GetString(body[..Math.Min(body.Length, 500)])}");
        Assert.True(body.Length <= 64 * 1024, $"{body.Length} bytes");
    }
}
