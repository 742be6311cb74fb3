using System.Globalization;
using System.Net.Http.Json;

namespace LensAI.Samples.AspNetCore;

/// <summary>
/// Runs the chat API with what it needs to work offline — the embedded LensAI backend (unless <c>LENSAI_ENDPOINT</c> is
/// set) and the OpenAI replay server (unless <c>OPENAI_API_KEY</c> is set) — then either sends a few requests to it
/// as different users and prints what each cost, or (<c>--serve</c>) keeps serving until Ctrl+C.
/// </summary>
public sealed class ChatApiDemo : IAsyncDisposable
{
    private ChatApiDemo(WebApplication app, LocalBackend? backend, ReplayServer? replay)
    {
        App = app;
        Backend = backend;
        Replay = replay;
        BaseAddress = new Uri(app.Urls.First().TrimEnd('/') + "/");
    }

    /// <summary>The running chat API.</summary>
    public WebApplication App { get; }

    /// <summary>The chat API's address.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The embedded backend, when <c>LENSAI_ENDPOINT</c> is not set.</summary>
    public LocalBackend? Backend { get; }

    /// <summary>The replay server, when <c>OPENAI_API_KEY</c> is not set.</summary>
    public ReplayServer? Replay { get; }

    /// <summary>The app's LensAI client.</summary>
    public LensAIClient Lens => App.Services.GetRequiredService<LensAIClient>();

    /// <summary>The sample's entry point. Returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        var settings = SampleSettings.From(args, "aspnetcore");
        var serve = settings.Flag("--serve");
        await using var demo = await StartAsync(settings, output, settings.Option("--urls") ?? (serve ? "http://127.0.0.1:5180" : "http://127.0.0.1:0"));
        if (serve)
        {
            output.WriteLine($"Chat API on {demo.BaseAddress} — try:");
            output.WriteLine($"  curl -i -X POST {demo.BaseAddress}chat/trip-42 -H 'X-User-Id: alice' -H 'Content-Type: application/json' -d '{{\"message\":\"Plan a day in Lisbon.\"}}'");
            output.WriteLine("Ctrl+C stops it.");
            await demo.App.WaitForShutdownAsync(cancellationToken);
            return 0;
        }

        await demo.RunDemoRequestsAsync(output, cancellationToken);
        return 0;
    }

    /// <summary>Starts the stand-ins the environment does not replace, then the chat API on <paramref name="urls"/>.</summary>
    public static async Task<ChatApiDemo> StartAsync(SampleSettings settings, TextWriter output, string urls = "http://127.0.0.1:0")
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(output);
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        ReplayServer? replay = null;
        LocalBackend? backend = null;
        try
        {
            if (settings.OpenAIApiKey is { } openAIKey)
            {
                values["OpenAI:ApiKey"] = openAIKey;
                output.WriteLine("LIVE: OpenAI calls go to api.openai.com (OPENAI_API_KEY is set).");
            }
            else
            {
                replay = await ReplayServer.StartAsync();
                values["OpenAI:ApiKey"] = "sk-replay";
                values["OpenAI:BaseUrl"] = replay.BaseUrl.ToString();
                // Tell LensAI the replay server speaks OpenAI, so calls to it are captured and priced as OpenAI's.
                values["LensAI:OpenAICompatibleEndpoints:0:BaseUrl"] = replay.BaseUrl.ToString();
                values["LensAI:OpenAICompatibleEndpoints:0:Provider"] = "openai";
                output.WriteLine($"REPLAY: recorded OpenAI responses served from {replay.BaseUrl} (set OPENAI_API_KEY for live calls).");
            }

            if (settings.LensAIEndpoint is { } endpoint)
            {
                values["LensAI:Endpoint"] = endpoint;
                values["LensAI:ApiKey"] = settings.LensAIApiKey ?? throw new InvalidOperationException("LENSAI_ENDPOINT is set: set LENSAI_API_KEY too.");
                output.WriteLine($"Events go to {endpoint}.");
            }
            else
            {
                backend = await LocalBackend.StartAsync(settings.DataDirectory, "chat-api");
                values["LensAI:Endpoint"] = backend.Endpoint.ToString();
                values["LensAI:ApiKey"] = backend.ApiKey;
                values["LensAI:SpoolDirectory"] = Path.Combine(settings.DataDirectory, "spool");
                output.WriteLine($"Embedded LensAI backend on {backend.Endpoint}; Parquet under {Path.Combine(backend.DataDirectory, "store", "events")}.");
            }

            var app = ChatApi.Build(values, urls);
            await app.StartAsync();
            return new ChatApiDemo(app, backend, replay);
        }
        catch
        {
            if (backend is not null)
            {
                await backend.DisposeAsync();
            }

            if (replay is not null)
            {
                await replay.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>Sends a few requests as different users, prints each one's cost header, then the events as stored.</summary>
    public async Task RunDemoRequestsAsync(TextWriter output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        using var http = new HttpClient { BaseAddress = BaseAddress };
        var requests = new (string? User, string Path, string Message)[]
        {
            ("alice", "chat", "Say hello."),
            ("bob", "chat/trip-42", "Plan a day in Lisbon."),
            ("bob", "chat/trip-42", "Make it cheaper."),
            (null, "chat", "Anonymous question."),
        };

        output.WriteLine();
        output.WriteLine($"  {"request",-24} {"user",-7} {"status",6} {"X-LensAI-Cost-Usd",18}  reply");
        foreach (var (user, path, message) in requests)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(new ChatRequest(message)) };
            if (user is not null)
            {
                request.Headers.Add(HeaderAuthenticationHandler.UserHeader, user);
            }

            using var response = await http.SendAsync(request, cancellationToken);
            var cost = response.Headers.TryGetValues(LensAIAttributionMiddleware.CostHeader, out var values) ? values.First() : "-";
            var reply = response.IsSuccessStatusCode ? (await response.Content.ReadFromJsonAsync<ChatReply>(cancellationToken))?.Reply ?? "" : await response.Content.ReadAsStringAsync(cancellationToken);
            output.WriteLine($"  {"POST /" + path,-24} {user ?? "-",-7} {(int)response.StatusCode,6} {cost,18}  {Shorten(reply)}");
        }

        var shipped = await Lens.FlushAsync(TimeSpan.FromSeconds(15), cancellationToken);
        output.WriteLine();
        output.WriteLine(shipped ? "Every event reached the backend." : "Some events are not shipped yet: they are spooled and replayed later.");
        if (Backend is null)
        {
            return;
        }

        // What the backend stored: one event per LLM call, attributed to the route pattern and the user.
        output.WriteLine();
        output.WriteLine("Events in Parquet (the route is the endpoint's pattern, the user the authenticated one)");
        output.WriteLine($"  {"route",-28} {"user",-7} {"model",-24} {"tokens",7} {"cost (USD)",12}");
        await Backend.QueryEventsAsync("SELECT route, coalesce(user_id, '-'), model, tokens_in + tokens_out, CAST(cost_usd AS DOUBLE) FROM {events} ORDER BY ts", row =>
        {
            var cost = row.IsNull(4) ? "unpriced" : row.GetDouble(4).ToString("0.000000000", CultureInfo.InvariantCulture);
            output.WriteLine($"  {row.GetString(0) ?? "-",-28} {row.GetString(1),-7} {row.GetString(2),-24} {row.GetInt64(3),7} {cost,12}");
        }, cancellationToken);
        output.WriteLine("Done.");
    }

    private static string Shorten(string text) => text.Length <= 40 ? text.ReplaceLineEndings(" ") : text[..39].ReplaceLineEndings(" ") + "…";

    /// <summary>Stops the app (which flushes LensAI), the backend and the replay server.</summary>
    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        if (Backend is not null)
        {
            await Backend.DisposeAsync();
        }

        if (Replay is not null)
        {
            await Replay.DisposeAsync();
        }
    }
}
