// LensAI quickstart: wrap the OpenAI SDK in one line, make calls for a few users and routes, and see what they cost —
// from the Parquet the backend wrote.
using System.ClientModel;
using System.Diagnostics;
using System.Globalization;
using LensAI;
using LensAI.Backend.Budgets;
using LensAI.Backend.DuckDb;
using LensAI.Backend.Jobs;
using LensAI.Backend.Keys;
using LensAI.Backend.Parquet;
using LensAI.Functions;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Embeddings;
using Quickstart;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var clock = Stopwatch.StartNew();
void Step(string text) => Console.WriteLine($"[{clock.Elapsed.TotalSeconds,5:0.0}s] {text}");

// 0. An LLM to call: the real API when OPENAI_API_KEY is set, otherwise a local replay of recorded responses.
var apiKey = Environment.GetEnvironmentVariable("OPENAI_API_KEY");
await using var replay = string.IsNullOrEmpty(apiKey) ? await ReplayServer.StartAsync(Path.Combine(AppContext.BaseDirectory, "replay")) : null;
var openAIBase = replay?.BaseUrl ?? new Uri("https://api.openai.com/v1");
Step(replay is null
    ? "LIVE mode: calls go to api.openai.com (OPENAI_API_KEY is set)."
    : $"REPLAY mode: recorded OpenAI responses served from {openAIBase} (set OPENAI_API_KEY for live calls).");

// 1. The backend: LENSAI_ENDPOINT if set, otherwise the embedded default (local folder + DuckDB, in this process).
var endpoint = Environment.GetEnvironmentVariable("LENSAI_ENDPOINT");
var dataDirectory = Path.GetFullPath(Path.Combine(".lensai", "quickstart"));
WebApplication? backend = null;
string lensKey;
if (string.IsNullOrEmpty(endpoint))
{
    if (Directory.Exists(dataDirectory))
    {
        Directory.Delete(dataDirectory, recursive: true); // every run starts from an empty store
    }

    var slackWebhook = Environment.GetEnvironmentVariable("SLACK_WEBHOOK_URL");
    string[] backendArgs = ["--urls", "http://127.0.0.1:0", "--LensAI:Backend:Storage:LocalPath", dataDirectory, "--LensAI:Backend:RunScheduler", "false"];
    if (!string.IsNullOrEmpty(slackWebhook))
    {
        backendArgs = [.. backendArgs, "--LensAI:Backend:Alerts:Slack:WebhookUrl", slackWebhook];
    }

    backend = FunctionApp.Build(backendArgs, b =>
    {
        b.Logging.SetMinimumLevel(LogLevel.Error);
        if (string.IsNullOrEmpty(slackWebhook))
        {
            b.Services.AddSingleton<IAlertDispatcher, ConsoleAlertDispatcher>(); // no Slack configured: alerts are printed here
        }
    });
    await backend.StartAsync();
    endpoint = backend.Urls.First();
    lensKey = (await backend.Services.GetRequiredService<ApiKeyStore>().CreateAsync("quickstart", "quickstart", CancellationToken.None)).Key;
    Step($"Embedded backend listening on {endpoint}; Parquet goes to {dataDirectory}.");
}
else
{
    lensKey = Environment.GetEnvironmentVariable("LENSAI_API_KEY") ?? throw new InvalidOperationException("LENSAI_ENDPOINT is set: set LENSAI_API_KEY too.");
    Step($"Shipping to {endpoint}.");
}

// 2. The one line: LensAI on the OpenAI SDK's pipeline.
var options = new LensAIOptions { Endpoint = new Uri(endpoint), ApiKey = lensKey, MaxBatchDelay = TimeSpan.FromMilliseconds(200) };
options.Budgets.PollInterval = TimeSpan.FromSeconds(1); // the kill-switch poll (default 30 s), short for the demo
if (replay is not null)
{
    options.OpenAICompatibleEndpoints.Add(new OpenAICompatibleEndpoint { BaseUrl = replay.BaseUrl, Provider = "openai" });
}

await using var lens = LensAIClient.Create(options);
var openAIOptions = new OpenAIClientOptions { Endpoint = openAIBase }.UseLensAI(lens);
var credential = new ApiKeyCredential(apiKey ?? "sk-replay");
var mini = new ChatClient("gpt-4o-mini", credential, openAIOptions);
var reasoning = new ChatClient("o3-mini", credential, openAIOptions);
var streaming = new ChatClient("gpt-4o", credential, openAIOptions);
var embeddings = new EmbeddingClient("text-embedding-3-small", credential, openAIOptions);

var plan = new (string User, string Route, Func<Task> Call)[]
{
    ("alice", "POST /chat", async () => await mini.CompleteChatAsync("Say hello.")),
    ("alice", "POST /chat", async () => { await foreach (var _ in streaming.CompleteChatStreamingAsync("Count to three.")) { } }),
    ("bob", "POST /summarize", async () => await reasoning.CompleteChatAsync("Summarize: LensAI prices every call.")),
    ("bob", "POST /search", async () => await embeddings.GenerateEmbeddingsAsync(["first document", "second document"])),
    ("carol", "POST /chat", async () => await mini.CompleteChatAsync("What is 2+2?")),
    ("carol", "POST /summarize", async () => await reasoning.CompleteChatAsync("Summarize this paragraph.")),
    ("dave", "POST /chat", async () => await mini.CompleteChatAsync("Tell me a joke.")),
    ("dave", "POST /summarize", async () => await reasoning.CompleteChatAsync("Summarize the news.")),
};

var done = 0;
foreach (var (user, route, call) in plan)
{
    using (lens.BeginScope(userId: user, route: route))
    {
        await call();
    }

    Console.Write($"\r         LLM calls made: {++done}/{plan.Length}");
}

Console.WriteLine();
var shipped = await lens.FlushAsync(TimeSpan.FromSeconds(15));
Step(shipped ? $"All {plan.Length} events shipped to the ingest endpoint." : "Some events could not be shipped yet: they are spooled and will be replayed.");

if (backend is null)
{
    Step("Using a remote backend: query its Parquet with `lensai query` or GET /v1/export.");
    return;
}

// 3. What it cost, read back from the Parquet the backend wrote.
var events = backend.Services.GetRequiredService<EventStore>();
var today = DateOnly.FromDateTime(DateTime.UtcNow);
var parts = await events.ListPartsAsync("quickstart", today.AddDays(-1), today, CancellationToken.None);
var paths = await events.LocalPathsAsync(parts, CancellationToken.None);
using (var db = backend.Services.GetRequiredService<DuckDbDatabase>().Connect())
{
    var relation = EventStore.DedupedRelation(paths);
    foreach (var (title, column) in new[] { ("model", "model"), ("user", "user_id"), ("route", "route") })
    {
        Console.WriteLine();
        Console.WriteLine($"Cost by {title} (from Parquet)");
        Console.WriteLine($"  {title,-26} {"calls",5} {"tokens in",10} {"tokens out",10} {"cost (USD)",12} {"p50 ms",7} {"p95 ms",7}");
        using var result = db.Query($"""
            SELECT {column} AS k, count(*) AS calls, CAST(sum(tokens_in) AS BIGINT) AS tin, CAST(sum(tokens_out) AS BIGINT) AS tout,
                   CAST(sum(cost_usd) AS DOUBLE) AS cost, count(*) - count(cost_usd) AS unpriced,
                   CAST(quantile_cont(latency_ms, 0.5) AS DOUBLE) AS p50, CAST(quantile_cont(latency_ms, 0.95) AS DOUBLE) AS p95
            FROM {relation} GROUP BY ALL ORDER BY cost DESC NULLS LAST
            """);
        foreach (var row in result.Rows)
        {
            var cost = row.IsNull(4) ? "unpriced" : $"{row.GetDouble(4):0.000000}" + (row.GetInt64(5) > 0 ? "*" : "");
            Console.WriteLine($"  {row.GetString(0),-26} {row.GetInt64(1),5} {row.GetInt64(2),10} {row.GetInt64(3),10} {cost,12} {row.GetDouble(6),7:0} {row.GetDouble(7),7:0}");
        }
    }
}

// 4. A small budget: alerts at 50/75/90/100 % and a kill-switch at 100 %.
Console.WriteLine();
var budgetFile = BudgetStore.Parse("""{"budgets":[{"id":"demo-monthly","scope":"project","period":"monthly","amount_usd":0.01,"action":"block","forecast":false}]}"""u8);
await backend.Services.GetRequiredService<BudgetStore>().SetBudgetsAsync("quickstart", budgetFile, "quickstart", CancellationToken.None);
Step("Budget set: $0.01 per month for the whole project, action block. Running the rollup and budget-check jobs…");
var jobs = backend.Services.GetRequiredService<JobRunner>();
await jobs.RunAsync("rollups", CancellationToken.None);
await jobs.RunAsync("budget-check", CancellationToken.None);
Step(string.IsNullOrEmpty(Environment.GetEnvironmentVariable("SLACK_WEBHOOK_URL")) ? "Alerts printed above (set SLACK_WEBHOOK_URL to post them to Slack)." : "Alerts posted to Slack.");

// 5. The kill-switch: the SDK polls the status and refuses the next call before it reaches the provider.
var deadline = DateTime.UtcNow.AddSeconds(15);
while (true)
{
    try
    {
        using (lens.BeginScope(userId: "alice", route: "POST /chat"))
        {
            await mini.CompleteChatAsync("One more, please.");
        }

        if (DateTime.UtcNow > deadline)
        {
            Step("The kill-switch did not engage in time (is the budget check running?).");
            break;
        }

        await Task.Delay(250); // the SDK has not polled the new status yet
    }
    catch (LensAIBudgetExceededException blocked)
    {
        Step($"Kill-switch: the next call was BLOCKED before reaching the provider — budget '{blocked.BudgetId}' ({blocked.Scope}, {blocked.Period}) resets {blocked.ResetsAt:u}.");
        Console.WriteLine($"         What an end user would see: \"{blocked.UserMessage}\"");
        break;
    }
}

Console.WriteLine();
Console.WriteLine($"{parts.Count} Parquet part(s) under {Path.Combine(dataDirectory, "events")}. Read them with any engine, e.g.:");
Console.WriteLine($"  duckdb -c \"SELECT model, sum(cost_usd) FROM read_parquet('{Path.Combine(dataDirectory, "events")}/**/*.parquet', hive_partitioning = true) GROUP BY model\"");
Step("Done.");
await backend.StopAsync();
await backend.DisposeAsync();
