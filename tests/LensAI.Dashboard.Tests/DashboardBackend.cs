using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LensAI.Pricing;
using LensAI.Testing;

namespace LensAI.Dashboard.Tests;

/// <summary>
/// A <see cref="TestBackend"/> with a project key, optionally seeded with a day of real events through
/// <c>POST /v1/events</c>, budgets through <c>PUT /v1/budgets</c>, and the rollups and budget-check jobs run, the way a
/// project looks after a day of use.
/// </summary>
public sealed class DashboardBackend : IAsyncDisposable
{
    public const string Project = "acme";
    public const string UnpricedModel = "acme-private-llm";
    public const string BlockedBudget = "daily-cap";

    private readonly TestBackend _backend;

    private DashboardBackend(TestBackend backend) => _backend = backend;

    public Uri BaseAddress => _backend.BaseAddress;

    public IServiceProvider Services => _backend.Services;

    public string Key { get; private set; } = "";

    /// <summary>Every event <see cref="SeedAsync"/> sent, with the cost the catalogue gives it (null when it cannot price it).</summary>
    public IReadOnlyList<SeededCall> Seeded { get; private set; } = [];

    public int EventCount => Seeded.Count;

    public static async Task<DashboardBackend> StartAsync()
    {
        var backend = new DashboardBackend(await TestBackend.StartAsync());
        backend.Key = await backend._backend.CreateKeyAsync(Project, "dashboard tests");
        return backend;
    }

    public HttpClient Client(string? key = null) => _backend.Client(key);

    /// <summary>Another key of the project, with <paramref name="scopes"/> (<c>read</c>, <c>read,admin</c>).</summary>
    public Task<string> CreateKeyAsync(string name, string scopes) => _backend.CreateKeyAsync(Project, name, scopes);

    /// <summary>Ingests ~20 hours of calls (four priced models, one the catalogue does not know), sets budgets, runs the jobs.</summary>
    public async Task SeedAsync()
    {
        var now = DateTimeOffset.UtcNow;
        var random = new Random(20261122);
        var models = new (string Provider, string Model, int BaseLatency)[]
        {
            ("openai", "gpt-4o-mini-2024-07-18", 420),
            ("openai", "gpt-4o-2024-08-06", 900),
            ("anthropic", "claude-sonnet-4-20250514", 1300),
            ("gemini", "gemini-2.0-flash", 350),
            ("custom", UnpricedModel, 700),
        };
        string?[] users = ["alice", "bob", "carol", "dave", "erin", "frank", null];
        string[] routes = ["POST /chat", "POST /summarize", "GET /search", "POST /agents/plan"];
        var events = new List<JsonObject>();
        var seeded = new List<SeededCall>();
        JsonObject Call(DateTimeOffset ts, string provider, string model, string? user, string route, int tokensIn, int tokensOut, int latencyMs, bool stream)
        {
            var cached = tokensIn / 4;
            var cost = PriceCatalog.Default.Calculate(provider, model, new TokenUsage(tokensIn, tokensOut, cached)); // what the SDK would send; null when unknown
            seeded.Add(new SeededCall(ts, model, user, route, cost, latencyMs));
            return Event(ts, provider, model, user, route, tokensIn, tokensOut, cached, cost, latencyMs, stream);
        }

        for (var hour = 0; hour < 20; hour++)
        {
            var calls = 3 + (hour * 7 % 5); // an uneven day
            for (var c = 0; c < calls; c++)
            {
                var (provider, model, latency) = models[(hour + c) % models.Length];
                var ts = now.AddHours(-hour).AddMinutes(-(2 + random.Next(50)));
                events.Add(Call(ts, provider, model, users[(hour * 3 + c) % users.Length], routes[(hour + c * 3) % routes.Length],
                    tokensIn: 800 + random.Next(6000), tokensOut: 100 + random.Next(1200), latency + random.Next(latency), stream: c % 3 == 0));
            }
        }

        // A burst in the last milliseconds: the daily cap is spent whatever the time of day.
        for (var i = 0; i < 6; i++)
        {
            events.Add(Call(now.AddMilliseconds(-(1 + i)), "openai", "gpt-4o-2024-08-06", "alice", "POST /agents/plan", 20_000, 2_000, 2_400 + 150 * i, stream: false));
        }

        using var http = Client(Key);
        foreach (var chunk in events.Chunk(50))
        {
            var body = new JsonObject { ["events"] = new JsonArray([.. chunk]) };
            using var response = await http.PostAsync("v1/events", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
            Assert.True(response.IsSuccessStatusCode, $"POST /v1/events: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        Seeded = seeded;
        var jobs = _backend.Jobs;
        Assert.NotNull(await jobs.RunAsync("rollups", CancellationToken.None));

        using var budgets = await http.PutAsync("v1/budgets", new StringContent($$"""
            {"time_zone":"UTC","budgets":[
              {"id":"{{BlockedBudget}}","scope":"project","period":"daily","amount_usd":0.25,"action":"block"},
              {"id":"alice-monthly","scope":"user","scope_value":"alice","period":"monthly","amount_usd":40,"action":"alert"},
              {"id":"summaries","scope":"route","scope_value":"POST /summarize","period":"weekly","amount_usd":5,"action":"alert"}
            ]}
            """, Encoding.UTF8, "application/json"));
        Assert.True(budgets.IsSuccessStatusCode, $"PUT /v1/budgets: {(int)budgets.StatusCode} {await budgets.Content.ReadAsStringAsync()}");
        Assert.NotNull(await jobs.RunAsync("budget-check", CancellationToken.None));
    }

    /// <summary>The report as the API serves it, for the same range the page asks for.</summary>
    public async Task<JsonElement> ReportAsync(TimeSpan range)
    {
        using var http = Client(Key);
        var to = DateTimeOffset.UtcNow;
        var text = await http.GetStringAsync(string.Create(CultureInfo.InvariantCulture,
            $"v1/report?from={Uri.EscapeDataString(to.Subtract(range).ToString("O"))}&to={Uri.EscapeDataString(to.ToString("O"))}&top=10"));
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static JsonObject Event(DateTimeOffset ts, string provider, string model, string? user, string route, int tokensIn, int tokensOut, int cached, decimal? cost, int latencyMs, bool stream)
    {
        return new JsonObject
        {
            ["event_id"] = Guid.NewGuid().ToString("N"),
            ["ts"] = ts.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
            ["request_id"] = "req_" + Guid.NewGuid().ToString("N")[..12],
            ["user_id"] = user,
            ["route"] = route,
            ["provider"] = provider,
            ["model"] = model,
            ["operation"] = "chat",
            ["stream"] = stream,
            ["tokens_in"] = tokensIn,
            ["tokens_out"] = tokensOut,
            ["tokens_cached_in"] = cached,
            ["tokens_cache_write"] = 0,
            ["tokens_reasoning"] = 0,
            ["cost_usd"] = cost,
            ["latency_ms"] = latencyMs,
            ["ttft_ms"] = stream ? latencyMs / 4 : null,
            ["status"] = "ok",
            ["http_status"] = 200,
            ["metadata"] = new JsonObject(),
            ["sdk"] = "lensai-dotnet/tests",
        };
    }

    public ValueTask DisposeAsync() => _backend.DisposeAsync();
}

/// <summary>One seeded call as the test knows it, to compare what the page draws against.</summary>
public sealed record SeededCall(DateTimeOffset Ts, string Model, string? User, string Route, decimal? CostUsd, int LatencyMs);
