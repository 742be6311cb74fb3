using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LensAI.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace LensAI.Functions.Tests;

/// <summary>POST /v1/events over real HTTP: every kind of bad input gets its status and a message naming the problem.</summary>
public sealed class IngestHttpTests : IAsyncLifetime
{
    private TestBackend _backend = null!;
    private string _key = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _backend = await TestBackend.StartAsync(settings: new() { ["LensAI:Backend:Limits:MaxRequestBytes"] = "1048576", ["LensAI:Backend:Limits:MaxDecompressedBytes"] = "16777216" });
        _key = await _backend.CreateKeyAsync("acme");
        _http = _backend.Client(_key);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _backend.DisposeAsync();
    }

    private static string Detail(JsonElement body) => body.GetProperty("detail").GetString()!;

    [Fact]
    public async Task A_valid_batch_is_stored_and_counted()
    {
        var (status, body, _) = await Batches.PostAsync(_http, Batches.Content(Batches.Json([Batches.Event(), Batches.Event()]), gzip: true));
        Assert.Equal(200, status);
        Assert.Equal(2, body.GetProperty("accepted").GetInt32());
        Assert.Equal(0, body.GetProperty("rejected").GetArrayLength());
        Assert.Single(await _backend.PartsAsync("acme"));
    }

    [Fact]
    public async Task Partial_batches_store_the_valid_events_and_name_every_bad_field()
    {
        var bad = Batches.Node(Batches.Event());
        bad["tokens_in"] = -3;
        bad["status"] = "finished";
        bad["tokens_reasoning"] = 999;
        var (status, body, _) = await Batches.PostAsync(_http, Batches.Content(Batches.Json(Batches.Node(Batches.Event()), bad)));
        Assert.Equal(200, status);
        Assert.Equal(1, body.GetProperty("accepted").GetInt32());
        var rejected = body.GetProperty("rejected")[0];
        Assert.Equal(1, rejected.GetProperty("index").GetInt32());
        Assert.Equal(
            ["/events/1/status", "/events/1/tokens_in", "/events/1/tokens_reasoning"],
            rejected.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("pointer").GetString()!).Order());
    }

    public static TheoryData<string, Func<byte[]>, int, string> BadBodies() => new()
    {
        { "malformed JSON", () => "{\"events\":[{\"event_id\":"u8.ToArray(), 400, "not valid JSON" },
        { "not an object", () => "[1,2,3]"u8.ToArray(), 400, "JSON object" },
        { "empty batch", () => "{\"events\":[]}"u8.ToArray(), 400, "empty" },
        { "deep nesting", () => Encoding.UTF8.GetBytes("{\"events\":[{\"metadata\":" + new string('[', 200) + new string(']', 200) + "}]}"), 400, "not valid JSON" },
        { "nulls everywhere", () => Encoding.UTF8.GetBytes("{\"events\":[{\"event_id\":null,\"ts\":null,\"provider\":null,\"model\":null,\"operation\":null,\"stream\":null,\"tokens_in\":null,\"tokens_out\":null,\"latency_ms\":null,\"status\":null,\"sdk\":null}]}"), 400, "None of the 1 event" },
        { "wrong types", () => Encoding.UTF8.GetBytes("{\"events\":[{\"event_id\":5,\"ts\":true,\"provider\":[],\"model\":{},\"operation\":1.5,\"stream\":\"no\",\"tokens_in\":\"10\",\"tokens_out\":false,\"latency_ms\":\"fast\",\"status\":0,\"sdk\":7}]}"), 400, "None of the 1 event" },
        { "10k+1 events", () => Batches.Json(Enumerable.Range(0, 10_001).Select(_ => Batches.Event())), 413, "at most 10000 events" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Bad_bodies_get_their_status_and_message(string _, Func<byte[]> body, int expected, string message)
    {
        var payload = body();
        var (status, response, _) = await Batches.PostAsync(_http, Batches.Content(payload, gzip: payload.Length > 100_000));
        Assert.Equal(expected, status);
        Assert.Contains(message, Detail(response), StringComparison.Ordinal);
        Assert.Empty(await _backend.PartsAsync("acme"));
    }

    [Fact]
    public async Task Every_error_of_an_all_invalid_batch_is_listed_with_pointers()
    {
        var e = Batches.Node(Batches.Event());
        e["ts"] = DateTimeOffset.UtcNow.AddDays(3).ToString("O");
        e["tokens_cached_in"] = 5000;
        e["route"] = new string('x', 5000);
        var (status, body, _) = await Batches.PostAsync(_http, Batches.Content(Batches.Json(e)));
        Assert.Equal(400, status);
        Assert.Equal("https://lensai.dev/problems/invalid-events", body.GetProperty("type").GetString());
        var pointers = body.GetProperty("errors")[0].GetProperty("errors").EnumerateArray().Select(x => x.GetProperty("pointer").GetString()!).Order().ToArray();
        Assert.Equal(["/events/0/route", "/events/0/tokens_cached_in", "/events/0/ts"], pointers);
    }

    [Fact]
    public async Task Invalid_utf8_is_named()
    {
        var json = Batches.Json([Batches.Event(userId: "AAAA")]);
        var at = Encoding.UTF8.GetString(json).IndexOf("AAAA", StringComparison.Ordinal);
        json[at] = 0xFF;
        var (status, body, _) = await Batches.PostAsync(_http, Batches.Content(json));
        Assert.Equal(400, status);
        Assert.Contains("UTF-8", body.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_gzip_bomb_is_refused_before_it_inflates_past_the_limit()
    {
        byte[] bomb;
        using (var buffer = new MemoryStream())
        {
            using (var gzip = new System.IO.Compression.GZipStream(buffer, System.IO.Compression.CompressionLevel.SmallestSize))
            {
                gzip.Write(new byte[200 * 1024 * 1024]); // 200 MiB of zeros…
            }

            bomb = buffer.ToArray(); // …in ~200 KB
        }

        var content = new ByteArrayContent(bomb);
        content.Headers.ContentType = new("application/json");
        content.Headers.ContentEncoding.Add("gzip");
        var (status, body, _) = await Batches.PostAsync(_http, content);
        Assert.Equal(413, status);
        Assert.Contains("inflates to more than 16777216 bytes", Detail(body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Oversize_and_unsupported_bodies_are_refused()
    {
        var (status, _, _) = await Batches.PostAsync(_http, Batches.Content(new byte[2 * 1024 * 1024]));
        Assert.Equal(413, status);
        (status, _, _) = await Batches.PostAsync(_http, Batches.Content(Batches.Json([Batches.Event()]), contentType: "text/plain"));
        Assert.Equal(415, status);
        var garbageGzip = new ByteArrayContent([1, 2, 3, 4, 5]);
        garbageGzip.Headers.ContentType = new("application/json");
        garbageGzip.Headers.ContentEncoding.Add("gzip");
        (status, var body, _) = await Batches.PostAsync(_http, garbageGzip);
        Assert.Equal(400, status);
        Assert.Contains("gzip", Detail(body), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "no Authorization header")]
    [InlineData("Basic abc", "Bearer scheme")]
    [InlineData("Bearer lsk_nope", "not valid")]
    [InlineData("Bearer lsk_aaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "not valid")]
    public async Task Missing_or_wrong_keys_are_401(string? authorization, string message)
    {
        using var http = _backend.Client(null);
        if (authorization is not null)
        {
            http.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", authorization);
        }

        var (status, body, _) = await Batches.PostAsync(http, Batches.Content(Batches.Json([Batches.Event()])));
        Assert.Equal(401, status);
        Assert.Contains(message, Detail(body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_right_prefix_with_a_wrong_secret_and_a_revoked_key_are_401()
    {
        var forged = _key[..13] + new string('z', 32);
        using (var http = _backend.Client(forged))
        {
            Assert.Equal(401, (await Batches.PostAsync(http, Batches.Content(Batches.Json([Batches.Event()])))).Status);
        }

        var other = await _backend.CreateKeyAsync("acme");
        await _backend.Services.GetRequiredService<LensAI.Backend.Keys.ApiKeyStore>().RevokeAsync(other, CancellationToken.None);
        using var revoked = _backend.Client(other);
        Assert.Equal(401, (await Batches.PostAsync(revoked, Batches.Content(Batches.Json([Batches.Event()])))).Status);
    }

    [Fact]
    public async Task The_key_decides_the_project_never_the_body()
    {
        var globexKey = await _backend.CreateKeyAsync("globex");
        using var globex = _backend.Client(globexKey);
        var e = Batches.Node(Batches.Event());
        e["project_id"] = "acme"; // claims another project
        Assert.Equal(200, (await Batches.PostAsync(globex, Batches.Content(Batches.Json(e)))).Status);

        Assert.Empty(await _backend.PartsAsync("acme"));
        var rows = await _backend.QueryAsync("globex", "SELECT project_id FROM {events}");
        Assert.Equal("globex", Assert.Single(rows)["project_id"]);
    }

    [Fact]
    public async Task A_bounded_fuzz_loop_never_gets_a_5xx_and_the_server_still_answers()
    {
        var random = new Random(20261121);
        var seed = Batches.Json([Batches.Event(), Batches.Event(), Batches.Event()]);
        for (var i = 0; i < 300; i++)
        {
            var mutated = (byte[])seed.Clone();
            for (var m = random.Next(1, 8); m > 0; m--)
            {
                switch (random.Next(3))
                {
                    case 0: mutated[random.Next(mutated.Length)] = (byte)random.Next(256); break;
                    case 1: mutated[random.Next(mutated.Length)] = (byte)"{}[]\",:0-9e."[random.Next(12)]; break;
                    default: mutated = mutated[..random.Next(1, mutated.Length)]; break;
                }
            }

            var (status, _, _) = await Batches.PostAsync(_http, Batches.Content(mutated, gzip: random.Next(2) == 0));
            Assert.True(status is 200 or 400 or 413, $"iteration {i}: status {status}");
        }

        Assert.Equal(200, (await Batches.PostAsync(_http, Batches.Content(Batches.Json([Batches.Event()])))).Status);
    }

    [Fact]
    public async Task Health_check_answers()
    {
        using var http = _backend.Client(null);
        var response = await http.GetAsync("healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"storage\":\"local\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
