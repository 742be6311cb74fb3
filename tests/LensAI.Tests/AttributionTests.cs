using System.Text;
using LensAI.Testing;

namespace LensAI.Tests;

public sealed class AttributionTests
{
    private static readonly byte[] s_body = Fixtures.Bytes("openai/chat-completion-basic.json");

    private static async Task<UsageEvent> CallAsync(TestClient client, Action<HttpRequestMessage>? configure = null)
    {
        using var http = client.Http(StubHandler.Returning(s_body, "application/json"));
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://api.openai.com/v1/chat/completions")
        {
            Content = new StringContent("{}", Encoding.UTF8, "application/json"),
        };
        configure?.Invoke(request);
        using var response = await http.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();
        return client.Events.Last();
    }

    [Fact]
    public async Task Scope_flows_through_async_calls_and_nests()
    {
        await using var client = new TestClient(o => o.DefaultMetadata["env"] = "test");
        using (client.Lens.BeginScope(userId: "u1", route: "POST /chat", metadata: new Dictionary<string, string> { ["tier"] = "pro", ["team"] = "a" }))
        {
            var e1 = await Task.Run(() => CallAsync(client));
            Assert.Equal("u1", e1.UserId);
            Assert.Equal("POST /chat", e1.Route);
            Assert.Equal(new Dictionary<string, string> { ["env"] = "test", ["tier"] = "pro", ["team"] = "a" }, e1.Metadata);

            using (client.Lens.BeginScope(route: "summarize", metadata: new Dictionary<string, string> { ["team"] = "b" }))
            {
                var e2 = await CallAsync(client);
                Assert.Equal("u1", e2.UserId);
                Assert.Equal("summarize", e2.Route);
                Assert.Equal("b", e2.Metadata!["team"]);
                Assert.Equal("pro", e2.Metadata["tier"]);
            }

            Assert.Equal("POST /chat", (await CallAsync(client)).Route);
        }

        var outside = await CallAsync(client);
        Assert.Null(outside.UserId);
        Assert.Null(outside.Route);
        Assert.Equal(new Dictionary<string, string> { ["env"] = "test" }, outside.Metadata);
    }

    [Fact]
    public async Task Per_request_values_win_over_the_scope()
    {
        await using var client = new TestClient();
        using var _ = client.Lens.BeginScope(userId: "scope-user", route: "scope-route", metadata: new Dictionary<string, string> { ["a"] = "1", ["b"] = "1" });
        var e = await CallAsync(client, r => r.WithLensAI(userId: "call-user", metadata: new Dictionary<string, string> { ["b"] = "2" }));
        Assert.Equal("call-user", e.UserId);
        Assert.Equal("scope-route", e.Route);
        Assert.Equal("1", e.Metadata!["a"]);
        Assert.Equal("2", e.Metadata["b"]);
    }

    [Fact]
    public async Task Parallel_flows_keep_their_own_scope()
    {
        await using var client = new TestClient();
        using var http = client.Http(StubHandler.Returning(s_body, "application/json"));
        var tasks = Enumerable.Range(0, 20).Select(i => Task.Run(async () =>
        {
            using var _ = client.Lens.BeginScope(userId: $"user-{i}", metadata: new Dictionary<string, string> { ["i"] = $"{i}" });
            await Task.Yield();
            using var response = await http.PostAsync("https://api.openai.com/v1/chat/completions", new StringContent("{}", Encoding.UTF8, "application/json"));
            await response.Content.ReadAsByteArrayAsync();
        }));
        await Task.WhenAll(tasks);

        Assert.Equal(20, client.Events.Count);
        Assert.All(client.Events, e => Assert.Equal($"user-{e.Metadata!["i"]}", e.UserId));
    }
}
