using System.Net;
using System.Text.Json;

namespace LensAI.Functions.Tests;

public sealed class ReportTests
{
    [Fact]
    public async Task The_report_matches_the_raw_events_by_model_user_and_route()
    {
        await using var backend = await BackendHost.StartAsync();
        var key = await backend.CreateKeyAsync("acme");
        using var http = backend.Client(key);
        var events = Enumerable.Range(0, 60).Select(i => Batches.Event(model: i % 3 == 0 ? "gpt-4o-2024-08-06" : "gpt-4o-mini-2024-07-18", userId: "user-" + (i % 5), route: i % 2 == 0 ? "POST /chat" : "POST /search", tokensIn: 1000 + i)).ToList();
        var unpriced = Batches.Node(Batches.Event(model: "my-private-model"));
        unpriced["cost_usd"] = null; // neither the SDK nor the backend can price it
        Assert.Equal(200, (await Batches.PostAsync(http, Batches.Content(Batches.Json([.. events.Select(Batches.Node), unpriced])))).Status);
        await backend.Jobs.RunAsync("rollups", CancellationToken.None);

        var response = await http.GetAsync($"v1/report?from={DateTime.UtcNow.AddDays(-1):yyyy-MM-dd}&to={DateTime.UtcNow.AddDays(1):yyyy-MM-dd}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var report = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = report.RootElement;
        var raw = await backend.QueryAsync("acme", "SELECT model, count(*) AS n, CAST(coalesce(sum(cost_usd), 0) AS DECIMAL(38,9)) AS c FROM {events} GROUP BY model");
        foreach (var row in raw)
        {
            var item = root.GetProperty("by_model").EnumerateArray().Single(m => m.GetProperty("key").GetString() == (string)row["model"]!);
            Assert.Equal((long)row["n"]!, item.GetProperty("requests").GetInt64());
            Assert.Equal((decimal)row["c"]!, item.GetProperty("cost_usd").GetDecimal());
        }

        Assert.Equal(61, root.GetProperty("totals").GetProperty("requests").GetInt64());
        Assert.Equal(6, root.GetProperty("by_user").GetArrayLength()); // user-0..4 and u1
        Assert.Equal(2, root.GetProperty("by_route").GetArrayLength());
        Assert.Equal(["my-private-model"], root.GetProperty("unpriced_models").EnumerateArray().Select(e => e.GetString()));
        Assert.NotEqual(0, root.GetProperty("cost_over_time").GetArrayLength());
        Assert.NotEqual(0, root.GetProperty("latency_over_time").GetArrayLength());
    }
}
