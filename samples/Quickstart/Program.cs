// LensAI quickstart: wrap an LLM client in one line, make calls for a few users and routes, see what they cost.
using System.ClientModel;
using System.ClientModel.Primitives;
using System.Globalization;
using LensAI;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Embeddings;
using Quickstart;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var apiKey = Environment.GetEnvironmentVariable("OPENAI_API_KEY");
var live = !string.IsNullOrEmpty(apiKey);
await using var replay = live ? null : await ReplayServer.StartAsync(Path.Combine(AppContext.BaseDirectory, "replay"));
var openAIBase = replay?.BaseUrl ?? new Uri("https://api.openai.com/v1");
Console.WriteLine(live
    ? "LensAI quickstart — LIVE calls to api.openai.com (OPENAI_API_KEY is set)"
    : $"LensAI quickstart — REPLAY mode: recorded OpenAI responses served from {openAIBase} (set OPENAI_API_KEY for live calls)");

// 1. The one line: a LensAI client (ships to LENSAI_ENDPOINT when set; otherwise captures and prices in process).
var options = new LensAIOptions
{
    Endpoint = Environment.GetEnvironmentVariable("LENSAI_ENDPOINT") is { Length: > 0 } e ? new Uri(e) : null,
    ApiKey = Environment.GetEnvironmentVariable("LENSAI_API_KEY"),
};
if (replay is not null)
{
    options.OpenAICompatibleEndpoints.Add(new OpenAICompatibleEndpoint { BaseUrl = replay.BaseUrl, Provider = "openai" });
}

await using var lens = LensAIClient.Create(options);
var recorded = new List<UsageEvent>();
lens.Recorded += (_, ev) => { lock (recorded) { recorded.Add(ev); } };

// 2. Hand LensAI's HttpClient to the OpenAI SDK: every call through it is captured.
var openAIOptions = new OpenAIClientOptions { Endpoint = openAIBase, Transport = new HttpClientPipelineTransport(lens.CreateHttpClient()) };
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
};

var done = 0;
foreach (var (user, route, call) in plan)
{
    using (lens.BeginScope(userId: user, route: route))
    {
        await call();
    }

    Console.Write($"\r  calls made: {++done}/{plan.Length}");
}

Console.WriteLine();
Console.WriteLine();
Print("Cost by model", recorded.GroupBy(x => x.Model));
Print("Cost by user", recorded.GroupBy(x => x.UserId ?? "-"));
Print("Cost by route", recorded.GroupBy(x => x.Route ?? "-"));

if (options.Endpoint is not null)
{
    var shipped = await lens.FlushAsync(TimeSpan.FromSeconds(10));
    Console.WriteLine(shipped ? $"All events shipped to {options.Endpoint}." : "Some events could not be shipped yet; they are spooled and will be replayed.");
}
else
{
    Console.WriteLine("LENSAI_ENDPOINT is not set: events were captured and priced in process only.");
}

static void Print(string title, IEnumerable<IGrouping<string, UsageEvent>> groups)
{
    Console.WriteLine(title);
    Console.WriteLine($"  {"",-26} {"calls",5} {"tokens in",10} {"tokens out",10} {"cost (USD)",12} {"p50 ms",7} {"p95 ms",7}");
    foreach (var g in groups.OrderByDescending(g => g.Sum(x => x.CostUsd ?? 0)))
    {
        var latencies = g.Select(x => x.LatencyMs).Order().ToArray();
        var unpriced = g.Count(x => x.CostUsd is null);
        var cost = $"{g.Sum(x => x.CostUsd ?? 0):0.000000}" + (unpriced > 0 ? "*" : "");
        Console.WriteLine($"  {g.Key,-26} {g.Count(),5} {g.Sum(x => x.TokensIn),10} {g.Sum(x => x.TokensOut),10} {cost,12} {Percentile(latencies, 0.5),7} {Percentile(latencies, 0.95),7}");
    }

    Console.WriteLine();
}

static int Percentile(int[] sorted, double p) => sorted.Length == 0 ? 0 : sorted[(int)Math.Ceiling(p * sorted.Length) - 1];
