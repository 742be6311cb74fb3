using System.ClientModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using LensAI;
using LensAI.Backend.Budgets;
using LensAI.Samples;
using Microsoft.Extensions.DependencyInjection;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Embeddings;

namespace Quickstart;

/// <summary>
/// The quickstart: LensAI on the OpenAI SDK's pipeline (one line), eight calls for four users and three routes, the
/// cost by model, user and route read back from the Parquet the backend wrote, then a small budget whose alert is
/// printed and whose kill-switch blocks the next call before it reaches the provider.
/// </summary>
public static class QuickstartSample
{
    /// <summary>The LensAI project of the embedded backend.</summary>
    public const string Project = "quickstart";

    /// <summary>
    /// Runs the quickstart. Arguments: <c>--offline</c> (ignore OPENAI_API_KEY, LENSAI_ENDPOINT and SLACK_WEBHOOK_URL),
    /// <c>--data-dir &lt;path&gt;</c> (default <c>.lensai/quickstart</c>). Returns the exit code.
    /// </summary>
    public static Task<int> RunAsync(string[] args, TextWriter output, CancellationToken cancellationToken = default)
        => RunAsync(args, output, environment: null, cancellationToken);

    /// <summary>Runs the quickstart with <paramref name="environment"/> in place of the process environment (tests).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, IReadOnlyDictionary<string, string>? environment, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        var settings = SampleSettings.From(args, "quickstart", environment);
        var clock = Stopwatch.StartNew();
        void Step(string text) => output.WriteLine($"[{clock.Elapsed.TotalSeconds,5:0.0}s] {text}");

        // 0. An LLM to call: the real API when OPENAI_API_KEY is set, otherwise a local replay of recorded responses.
        var apiKey = settings.OpenAIApiKey;
        await using var replay = apiKey is null ? await ReplayServer.StartAsync() : null;
        var openAIBase = replay?.BaseUrl ?? new Uri("https://api.openai.com/v1");
        Step(replay is null
            ? "LIVE mode: calls go to api.openai.com (OPENAI_API_KEY is set)."
            : $"REPLAY mode: recorded OpenAI responses served from {openAIBase} (set OPENAI_API_KEY for live calls).");

        // 1. The backend: LENSAI_ENDPOINT if set, otherwise the embedded default (local folder + DuckDB, in this process).
        var endpoint = settings.LensAIEndpoint;
        var slackWebhook = settings.Env("SLACK_WEBHOOK_URL");
        LocalBackend? backend = null;
        string lensKey;
        if (endpoint is null)
        {
            var backendSettings = new Dictionary<string, string>(StringComparer.Ordinal);
            if (slackWebhook is not null)
            {
                backendSettings["LensAI:Backend:Alerts:Slack:WebhookUrl"] = slackWebhook;
            }

            backend = await LocalBackend.StartAsync(settings.DataDirectory, Project, backendSettings, b =>
            {
                if (slackWebhook is null)
                {
                    b.Services.AddSingleton<IAlertDispatcher>(new ConsoleAlertDispatcher(output)); // no Slack configured: alerts are printed here
                }
            });
            endpoint = backend.Endpoint.ToString();
            lensKey = backend.ApiKey;
            Step($"Embedded backend listening on {endpoint}; Parquet goes to {Path.Combine(backend.DataDirectory, "store")}.");
        }
        else
        {
            lensKey = settings.LensAIApiKey ?? throw new InvalidOperationException("LENSAI_ENDPOINT is set: set LENSAI_API_KEY too.");
            Step($"Shipping to {endpoint}.");
        }

        try
        {
            await RunCallsAsync(settings, output, Step, replay, openAIBase, apiKey, endpoint, lensKey, backend, slackWebhook, cancellationToken);
        }
        finally
        {
            if (backend is not null)
            {
                await backend.DisposeAsync();
            }
        }

        return 0;
    }

    /// <summary>
    /// The same story against a backend elsewhere (<c>LENSAI_ENDPOINT</c>): costs and latency from its
    /// <c>GET /v1/report</c>; a demo budget only if the project has none (a real project's budgets are never replaced);
    /// then the backend's own scheduled budget check (every 20 s) flips the kill-switch the SDK polls.
    /// </summary>
    private static async Task RemoteBackendAsync(TextWriter output, Action<string> step, string endpoint, string lensKey, LensAIClient lens, ChatClient mini, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = new Uri(endpoint.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", lensKey);

        // 3. What it cost: the backend's report for the last hour (rollups, plus the events not rolled up yet).
        var from = DateTimeOffset.UtcNow.AddHours(-1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        using (var report = JsonDocument.Parse(await http.GetStringAsync(new Uri($"v1/report?from={from}", UriKind.Relative), cancellationToken)))
        {
            step($"Report of project '{report.RootElement.GetProperty("project").GetString()}' for the last hour (GET /v1/report):");
            foreach (var (title, property) in new[] { ("model", "by_model"), ("user", "by_user"), ("route", "by_route") })
            {
                output.WriteLine();
                output.WriteLine($"Cost by {title} (from the backend's report)");
                output.WriteLine($"  {title,-26} {"calls",5} {"tokens in",10} {"tokens out",10} {"cost (USD)",12} {"p50 ms",7} {"p95 ms",7}");
                foreach (var row in report.RootElement.GetProperty(property).EnumerateArray())
                {
                    var cost = row.GetProperty("cost_usd").GetDecimal().ToString("0.000000", CultureInfo.InvariantCulture) + (row.GetProperty("unpriced").GetInt64() > 0 ? "*" : "");
                    output.WriteLine($"  {row.GetProperty("key").GetString(),-26} {row.GetProperty("requests").GetInt64(),5} {row.GetProperty("tokens_in").GetInt64(),10} {row.GetProperty("tokens_out").GetInt64(),10} {cost,12} {Ms(row, "latency_p50"),7} {Ms(row, "latency_p95"),7}");
                }
            }
        }

        // 4. A small budget, unless the project already has budgets of its own.
        output.WriteLine();
        using (var current = JsonDocument.Parse(await http.GetStringAsync(new Uri("v1/budgets", UriKind.Relative), cancellationToken)))
        {
            if (current.RootElement.TryGetProperty("budgets", out var list) && list.GetArrayLength() > 0)
            {
                step($"The project has {list.GetArrayLength()} budget(s) of its own: the quickstart leaves them alone (no demo budget, no kill-switch demo).");
                return;
            }
        }

        using (var put = await http.PutAsync(
            new Uri("v1/budgets", UriKind.Relative),
            new StringContent("""{"budgets":[{"id":"demo-monthly","scope":"project","period":"monthly","amount_usd":0.01,"action":"block","forecast":false}]}""", System.Text.Encoding.UTF8, "application/json"),
            cancellationToken))
        {
            put.EnsureSuccessStatusCode();
        }

        step("Budget set on the backend: $0.01 per month for the whole project, action block. Its budget check (every 20 s) posts the alert to the backend's channels and flips the kill-switch…");

        // 5. The kill-switch, as the SDK sees it: poll the status the SDK polls until the budget is blocked, then call.
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(90);
        var waited = 0;
        while (true)
        {
            using (var status = JsonDocument.Parse(await http.GetStringAsync(new Uri("v1/budgets/status", UriKind.Relative), cancellationToken)))
            {
                if (status.RootElement.TryGetProperty("budgets", out var budgets)
                    && budgets.EnumerateArray().Any(b => b.TryGetProperty("blocked", out var blocked) && blocked.GetBoolean()))
                {
                    break;
                }
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                step("The backend has not blocked the project within 90 s: is its scheduler (LensAI:Backend:RunScheduler) on?");
                return;
            }

            output.Write($"\r         waiting for the backend's budget check: {++waited} s");
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }

        output.WriteLine();
        for (var attempt = 0; attempt < 5; attempt++)
        {
            try
            {
                using (lens.BeginScope(userId: "alice", route: "POST /chat"))
                {
                    await mini.CompleteChatAsync(["One more, please."], cancellationToken: cancellationToken);
                }

                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken); // the SDK's next status poll is at most 1 s away
            }
            catch (LensAIBudgetExceededException blocked)
            {
                step($"Kill-switch: the next call was BLOCKED before reaching the provider — budget '{blocked.BudgetId}' ({blocked.Scope}, {blocked.Period}) resets {blocked.ResetsAt:u}.");
                output.WriteLine($"         What an end user would see: \"{blocked.UserMessage}\"");
                output.WriteLine("Query the backend's Parquet with `lensai query` or download it with GET /v1/export (docs/querying-parquet.md).");
                step("Done.");
                return;
            }
        }

        step("The kill-switch did not engage in the SDK within 5 s of the backend blocking the project.");
    }

    private static string Ms(JsonElement row, string property) =>
        row.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble().ToString("0", CultureInfo.InvariantCulture) : "-";

    private static async Task RunCallsAsync(
        SampleSettings settings, TextWriter output, Action<string> step, ReplayServer? replay, Uri openAIBase, string? apiKey, string endpoint, string lensKey,
        LocalBackend? backend, string? slackWebhook, CancellationToken cancellationToken)
    {
        // 2. The one line: LensAI on the OpenAI SDK's pipeline.
        var options = new LensAIOptions
        {
            Endpoint = new Uri(endpoint),
            ApiKey = lensKey,
            MaxBatchDelay = TimeSpan.FromMilliseconds(200),
            SpoolDirectory = Path.Combine(settings.DataDirectory, "spool"),
        };
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
            ("alice", "POST /chat", async () => await mini.CompleteChatAsync(["Say hello."], cancellationToken: cancellationToken)),
            ("alice", "POST /chat", async () => { await foreach (var _ in streaming.CompleteChatStreamingAsync(["Count to three."], cancellationToken: cancellationToken)) { } }),
            ("bob", "POST /summarize", async () => await reasoning.CompleteChatAsync(["Summarize: LensAI prices every call."], cancellationToken: cancellationToken)),
            ("bob", "POST /search", async () => await embeddings.GenerateEmbeddingsAsync(["first document", "second document"], cancellationToken: cancellationToken)),
            ("carol", "POST /chat", async () => await mini.CompleteChatAsync(["What is 2+2?"], cancellationToken: cancellationToken)),
            ("carol", "POST /summarize", async () => await reasoning.CompleteChatAsync(["Summarize this paragraph."], cancellationToken: cancellationToken)),
            ("dave", "POST /chat", async () => await mini.CompleteChatAsync(["Tell me a joke."], cancellationToken: cancellationToken)),
            ("dave", "POST /summarize", async () => await reasoning.CompleteChatAsync(["Summarize the news."], cancellationToken: cancellationToken)),
        };

        var done = 0;
        foreach (var (user, route, call) in plan)
        {
            using (lens.BeginScope(userId: user, route: route))
            {
                await call();
            }

            output.Write($"\r         LLM calls made: {++done}/{plan.Length}");
        }

        output.WriteLine();
        var shipped = await lens.FlushAsync(TimeSpan.FromSeconds(15), cancellationToken);
        step(shipped ? $"All {plan.Length} events shipped to the ingest endpoint." : "Some events could not be shipped yet: they are spooled and will be replayed.");

        if (backend is null)
        {
            await RemoteBackendAsync(output, step, endpoint, lensKey, lens, mini, cancellationToken);
            return;
        }

        // 3. What it cost, read back from the Parquet the backend wrote.
        foreach (var (title, column) in new[] { ("model", "model"), ("user", "user_id"), ("route", "route") })
        {
            output.WriteLine();
            output.WriteLine($"Cost by {title} (from Parquet)");
            output.WriteLine($"  {title,-26} {"calls",5} {"tokens in",10} {"tokens out",10} {"cost (USD)",12} {"p50 ms",7} {"p95 ms",7}");
            await backend.QueryEventsAsync($$"""
                SELECT {{column}} AS k, count(*) AS calls, CAST(sum(tokens_in) AS BIGINT) AS tin, CAST(sum(tokens_out) AS BIGINT) AS tout,
                       CAST(sum(cost_usd) AS DOUBLE) AS cost, count(*) - count(cost_usd) AS unpriced,
                       CAST(quantile_cont(latency_ms, 0.5) AS DOUBLE) AS p50, CAST(quantile_cont(latency_ms, 0.95) AS DOUBLE) AS p95
                FROM {events} GROUP BY ALL ORDER BY cost DESC NULLS LAST
                """, row =>
            {
                var cost = row.IsNull(4) ? "unpriced" : $"{row.GetDouble(4):0.000000}" + (row.GetInt64(5) > 0 ? "*" : "");
                output.WriteLine($"  {row.GetString(0),-26} {row.GetInt64(1),5} {row.GetInt64(2),10} {row.GetInt64(3),10} {cost,12} {row.GetDouble(6),7:0} {row.GetDouble(7),7:0}");
            }, cancellationToken);
        }

        // 4. A small budget: alerts at 50/75/90/100 % and a kill-switch at 100 %.
        output.WriteLine();
        await backend.SetBudgetsAsync("""{"budgets":[{"id":"demo-monthly","scope":"project","period":"monthly","amount_usd":0.01,"action":"block","forecast":false}]}""", cancellationToken);
        step("Budget set: $0.01 per month for the whole project, action block. Running the rollup and budget-check jobs…");
        await backend.Jobs.RunAsync("rollups", cancellationToken);
        await backend.Jobs.RunAsync("budget-check", cancellationToken);
        step(slackWebhook is null ? "Alerts printed above (set SLACK_WEBHOOK_URL to post them to Slack)." : "Alerts posted to Slack.");

        // 5. The kill-switch: the SDK polls the status (every second here, 30 s by default) and refuses the next call
        //    before it reaches the provider.
        await backend.WaitForBudgetPollsAsync(TimeSpan.FromSeconds(20), cancellationToken);
        try
        {
            using (lens.BeginScope(userId: "alice", route: "POST /chat"))
            {
                await mini.CompleteChatAsync(["One more, please."], cancellationToken: cancellationToken);
            }

            step("The kill-switch did not engage (is the budget check running?).");
        }
        catch (LensAIBudgetExceededException blocked)
        {
            step($"Kill-switch: the next call was BLOCKED before reaching the provider — budget '{blocked.BudgetId}' ({blocked.Scope}, {blocked.Period}) resets {blocked.ResetsAt:u}.");
            output.WriteLine($"         What an end user would see: \"{blocked.UserMessage}\"");
        }

        var events = Path.Combine(backend.DataDirectory, "store", "events");
        var parts = Directory.Exists(events) ? Directory.GetFiles(events, "*.parquet", SearchOption.AllDirectories).Length : 0;
        output.WriteLine();
        output.WriteLine($"{parts} Parquet part(s) under {events}. Read them with any engine, e.g.:");
        // DISTINCT ON (event_id): a batch re-sent after a lost acknowledgement is stored twice until compaction.
        output.WriteLine($"  duckdb -c \"SELECT model, sum(cost_usd) AS cost FROM (SELECT DISTINCT ON (event_id) * FROM read_parquet('{events}/**/*.parquet', hive_partitioning = true)) GROUP BY model ORDER BY cost DESC\"");
        step("Done.");
    }
}
