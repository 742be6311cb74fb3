using System.Text;
using LensAI.Testing;

namespace LensAI.Functions.Tests;

/// <summary>SDK → the real function app on loopback → Parquet in the local store → read back through DuckDB.</summary>
public sealed class IngestEndToEndTests
{
    private static readonly (string Fixture, string Url)[] s_calls =
    [
        ("openai/chat-completion-cached-tokens.json", "https://api.openai.com/v1/chat/completions"),
        ("openai/chat-completion-reasoning.json", "https://api.openai.com/v1/chat/completions"),
        ("anthropic/messages-cache-write-and-read.json", "https://api.anthropic.com/v1/messages"),
        ("gemini/generate-content-cached-content-thoughts.json", "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent"),
        ("openai/responses-cached-reasoning-websearch.json", "https://api.openai.com/v1/responses"),
    ];

    [Fact]
    public async Task Every_contract_field_round_trips_from_the_sdk_to_parquet()
    {
        await using var backend = await TestBackend.StartAsync();
        var key = await backend.CreateKeyAsync("acme");
        var sent = new List<UsageEvent>();
        await using (var lens = LensAIClient.Create(new LensAIOptions { Endpoint = backend.BaseAddress, ApiKey = key, EnableSpool = false }))
        {
            lens.Recorded += (_, e) => sent.Add(e);
            foreach (var (fixture, url) in s_calls)
            {
                using var http = new HttpClient(lens.CreateHandler(StubHandler.Returning(Fixtures.Bytes(fixture), "application/json")));
                using var scope = lens.BeginScope(userId: "user-7", route: "POST /chat", metadata: new Dictionary<string, string> { ["tier"] = "pro", ["contact"] = "ops@example.com" });
                using var response = await http.PostAsync(url, new StringContent("""{"model":"m"}""", Encoding.UTF8, "application/json"));
                await response.Content.ReadAsByteArrayAsync();
            }

            Assert.True(await lens.FlushAsync(TimeSpan.FromSeconds(30)));
        }

        var rows = await backend.QueryAsync("acme", "SELECT * EXCLUDE (metadata), metadata['tier'] AS tier, metadata['contact'] AS contact FROM {events} ORDER BY event_id");
        Assert.Equal(sent.Count, rows.Count);
        foreach (var e in sent)
        {
            var row = rows.Single(r => (string)r["event_id"]! == e.EventId);
            Assert.Equal(e.Timestamp, (DateTimeOffset)row["ts"]!);
            Assert.Equal("acme", row["project_id"]);
            Assert.Equal(e.RequestId, row["request_id"]);
            Assert.Equal(e.UserId, row["user_id"]);
            Assert.Equal(e.Route, row["route"]);
            Assert.Equal(e.Provider, row["provider"]);
            Assert.Equal(e.Model, row["model"]);
            Assert.Equal(e.Operation, row["operation"]);
            Assert.Equal(e.Stream, row["stream"]);
            Assert.Equal(e.TokensIn, row["tokens_in"]);
            Assert.Equal(e.TokensOut, row["tokens_out"]);
            Assert.Equal(e.TokensCachedIn, row["tokens_cached_in"]);
            Assert.Equal(e.TokensCacheWrite, row["tokens_cache_write"]);
            Assert.Equal(e.TokensCacheWrite1h, row["tokens_cache_write_1h"]);
            Assert.Equal(e.TokensReasoning, row["tokens_reasoning"]);
            Assert.Equal(e.CostUsd, (decimal?)row["cost_usd"]);
            Assert.Equal(e.PriceVersion, row["price_version"]);
            Assert.Equal(e.CostUsd is null ? null : "catalog", row["cost_source"]);
            Assert.Equal(e.LatencyMs, row["latency_ms"]);
            Assert.Equal(e.TtftMs, row["ttft_ms"]);
            Assert.Equal(e.Status.ToWireName(), row["status"]);
            Assert.Equal(e.HttpStatus, row["http_status"]);
            Assert.Equal("pro", row["tier"]);
            Assert.Equal("[email]", row["contact"]); // redacted before anything was written
            Assert.Equal(e.Sdk, row["sdk"]);
        }

        Assert.Contains(sent, e => e.CostUsd is null); // gpt-5.6-sol is unpriced: null in Parquet too, never 0
        Assert.All(await backend.PartsAsync("acme"), k => Assert.Matches(@"^events/project=acme/dt=\d{4}-\d{2}-\d{2}/part-[0-9A-Z]{26}\.parquet$", k));
    }
}
