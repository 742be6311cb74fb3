using System.ClientModel;
using System.ClientModel.Primitives;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.AI;
using OpenAI;

namespace LensAI.Samples.ExtensionsAI;

/// <summary>What the sample saw, for its smoke test.</summary>
/// <param name="PlainUsage">The usage the non-streaming response reported.</param>
/// <param name="PlainEvent">The event LensAI recorded for the non-streaming call.</param>
/// <param name="StreamedText">The streamed answer, as printed token by token.</param>
/// <param name="StreamedUpdates">How many updates carried text.</param>
/// <param name="StreamUsage">The usage the stream reported (its last chunk).</param>
/// <param name="StreamEvent">The event LensAI recorded for the streamed call.</param>
/// <param name="FallbackModel">The model that answered the call the gpt-4o budget would have blocked.</param>
/// <param name="BlockedUserMessage">What the call without a fallback told its end user.</param>
/// <param name="DataDirectory">The embedded backend's data folder.</param>
public sealed record ExtensionsAIResult(
    UsageDetails? PlainUsage,
    UsageEvent? PlainEvent,
    string StreamedText,
    int StreamedUpdates,
    UsageDetails? StreamUsage,
    UsageEvent? StreamEvent,
    string? FallbackModel,
    string? BlockedUserMessage,
    string DataDirectory);

/// <summary>
/// LensAI on <see cref="IChatClient"/>: one line (<c>chat.UseLensAI(lens)</c>) records every call — streaming
/// included — with its tokens, cost and latency, and enforces the project's budgets before anything is sent, falling
/// back to a cheaper model when a budget blocks the expensive one.
/// </summary>
/// <remarks>
/// <para>Put <c>UseLensAI</c> <b>below</b> function invocation (<c>UseFunctionInvocation()</c>): each model call of a
/// tool-calling turn is then its own event, with its own tokens and cost. Above it, the whole turn would be one event.</para>
/// <para>Semantic Kernel has its own one-liner, <c>builder.AddLensAI(lens)</c> (package <c>LensAI.SemanticKernel</c>):
/// see samples/SemanticKernel.</para>
/// </remarks>
public static class ExtensionsAISample
{
    private const string Expensive = "gpt-4o";
    private const string Cheaper = "gpt-4o-mini";

    /// <summary>The sample's entry point.</summary>
    public static async Task<ExtensionsAIResult> RunAsync(string[] args, TextWriter output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        var settings = SampleSettings.From(args, "extensionsai");

        // 0. A model to call: OpenAI when OPENAI_API_KEY is set, otherwise the local replay of recorded responses.
        var apiKey = settings.OpenAIApiKey;
        await using var replay = apiKey is null ? await ReplayServer.StartAsync() : null;
        var baseUrl = replay?.BaseUrl ?? new Uri("https://api.openai.com/v1");
        output.WriteLine(replay is null
            ? "LIVE: calls go to api.openai.com (OPENAI_API_KEY is set)."
            : $"REPLAY: recorded OpenAI responses served from {baseUrl} (set OPENAI_API_KEY for live calls).");

        // 1. The backend, where budgets live: the embedded default, in this process.
        await using var backend = await LocalBackend.StartAsync(settings.DataDirectory, "extensions-ai");
        output.WriteLine($"Embedded LensAI backend on {backend.Endpoint}.");

        // 2. LensAI.
        var options = new LensAIOptions
        {
            Endpoint = backend.Endpoint,
            ApiKey = backend.ApiKey,
            MaxBatchDelay = TimeSpan.FromMilliseconds(200),
            SpoolDirectory = Path.Combine(settings.DataDirectory, "spool"),
        };
        options.Budgets.PollInterval = TimeSpan.FromSeconds(1); // default 30 s; short so this demo sees a new budget at once
        if (replay is not null)
        {
            options.OpenAICompatibleEndpoints.Add(new OpenAICompatibleEndpoint { BaseUrl = replay.BaseUrl, Provider = "openai" });
        }

        await using var lens = LensAIClient.Create(options);
        var recorded = new List<UsageEvent>();
        lens.Recorded += (_, e) =>
        {
            lock (recorded)
            {
                recorded.Add(e);
            }
        };

        // 3. The one line. Any IChatClient works (Azure AI Inference's, Ollama's…); this is the OpenAI SDK's, through
        //    Microsoft.Extensions.AI.OpenAI's AsIChatClient(). It sends through LensAI's HttpClient, so each call is
        //    captured on the wire with the provider's exact usage, and UseLensAI adds the budget check and the fallback
        //    on top — still one event per call.
        var openAI = new OpenAIClient(
            new ApiKeyCredential(apiKey ?? "sk-replay"),
            new OpenAIClientOptions { Endpoint = baseUrl, Transport = new HttpClientPipelineTransport(lens.CreateHttpClient()) });
        IChatClient inner = openAI.GetChatClient(Expensive).AsIChatClient();
        using IChatClient chat = inner.UseLensAI(lens, o => o.FallbackModel = Cheaper);

        UsageEvent? LastRecorded()
        {
            lock (recorded)
            {
                return recorded.LastOrDefault();
            }
        }

        // 4. A plain call: the response carries the provider's usage, and LensAI recorded the call with its cost.
        ChatResponse plain;
        using (lens.BeginScope(userId: "dana", route: "assistant/ask"))
        {
            plain = await chat.GetResponseAsync("What does LensAI do?", new ChatOptions { ModelId = Cheaper, MaxOutputTokens = 200 }, cancellationToken);
        }

        var plainEvent = LastRecorded();
        output.WriteLine();
        output.WriteLine($"Non-streaming, {Cheaper}: \"{plain.Text}\"");
        output.WriteLine($"  usage in the response: {plain.Usage?.InputTokenCount} in, {plain.Usage?.OutputTokenCount} out");
        if (plainEvent is not null)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  captured by LensAI: {plainEvent.Model}, {plainEvent.TokensIn} in, {plainEvent.TokensOut} out, ${plainEvent.CostUsd:0.000000000}, {plainEvent.LatencyMs} ms"));
        }

        // 5. Streaming: tokens are printed as they arrive; LensAI tees the stream (it never buffers it) and records
        //    the call when it ends, with the usage from its last chunk and the time to first token.
        output.WriteLine();
        output.WriteLine($"Streaming from {Expensive}:");
        output.Write("  ");
        var text = new StringBuilder();
        var updates = 0;
        UsageDetails? usage = null;
        using (lens.BeginScope(userId: "dana", route: "assistant/stream"))
        {
            await foreach (var update in chat.GetStreamingResponseAsync("Tell me about LensAI in one sentence.", new ChatOptions { ModelId = Expensive }, cancellationToken))
            {
                if (update.Text is { Length: > 0 } token)
                {
                    output.Write(token);
                    output.Flush();
                    text.Append(token);
                    updates++;
                }

                usage = update.Contents.OfType<UsageContent>().LastOrDefault()?.Details ?? usage;
            }
        }

        output.WriteLine();
        var streamEvent = LastRecorded();

        output.WriteLine($"  usage reported by the stream: {usage?.InputTokenCount} in, {usage?.OutputTokenCount} out");
        if (streamEvent is not null)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  captured by LensAI: {streamEvent.Model}, {streamEvent.TokensIn} in, {streamEvent.TokensOut} out, ${streamEvent.CostUsd:0.000000000}, first token after {streamEvent.TtftMs} ms, {streamEvent.LatencyMs} ms in all"));
        }

        // 6. A budget: at most $0.0001 a day on gpt-4o, then block. (Tiny, so the replayed call above already spent it.)
        //    Set through the backend's API, as you would against a deployed one; it runs a budget check at once.
        await lens.FlushAsync(TimeSpan.FromSeconds(15), cancellationToken); // so the backend has counted that call
        using (var http = new HttpClient())
        {
            using var request = new HttpRequestMessage(HttpMethod.Put, new Uri(backend.Endpoint, "v1/budgets"))
            {
                Content = new StringContent("""
                    { "budgets": [ { "id": "gpt-4o-daily", "scope": "model", "scope_value": "gpt-4o", "period": "daily",
                                     "amount_usd": 0.0001, "action": "block" } ] }
                    """, Encoding.UTF8, "application/json"),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", backend.ApiKey);
            using var response = await http.SendAsync(request, cancellationToken);
            response.EnsureSuccessStatusCode();
        }

        output.WriteLine();
        output.WriteLine($"Budget set: {Expensive} may spend $0.0001 a day, then it is blocked. It is spent already.");
        await backend.WaitForBudgetPollsAsync(TimeSpan.FromSeconds(20), cancellationToken); // the SDK polls the kill-switch every PollInterval

        // 7. The same kind of call again: the budget blocks gpt-4o, so the middleware sends it to gpt-4o-mini instead —
        //    decided before anything is sent, so no request is wasted.
        ChatResponse fallback;
        using (lens.BeginScope(userId: "dana", route: "assistant/summary"))
        {
            fallback = await chat.GetResponseAsync("Summarize our Q3 LLM spend.", new ChatOptions { ModelId = Expensive, MaxOutputTokens = 200 }, cancellationToken);
        }

        output.WriteLine($"Asked {Expensive}; answered by {fallback.ModelId} (fallback): \"{fallback.Text}\"");

        // 8. Without a fallback the call is refused before it is sent: LensAIBudgetExceededException, recorded as blocked.
        string? userMessage = null;
        using (var strict = inner.UseLensAI(lens))
        {
            try
            {
                using (lens.BeginScope(userId: "dana", route: "assistant/summary"))
                {
                    await strict.GetResponseAsync("Summarize our Q3 LLM spend.", new ChatOptions { ModelId = Expensive, MaxOutputTokens = 200 }, cancellationToken);
                }

                output.WriteLine("Not blocked?");
            }
            catch (LensAIBudgetExceededException ex)
            {
                userMessage = ex.UserMessage;
                output.WriteLine($"Without a fallback: blocked by '{ex.BudgetId}' ({ex.Scope} {ex.ScopeValue}, {ex.Period}) until {ex.ResetsAt:u}.");
                output.WriteLine($"  what the end user sees: \"{ex.UserMessage}\"");
            }
        }

        // 9. What the backend stored.
        await lens.FlushAsync(TimeSpan.FromSeconds(15), cancellationToken);
        output.WriteLine();
        output.WriteLine("Events in Parquet");
        output.WriteLine($"  {"model",-24} {"stream",6} {"status",-8} {"in",4} {"out",4} {"cost (USD)",12} {"ttft ms",8}");
        await backend.QueryEventsAsync("SELECT model, stream, status, tokens_in, tokens_out, CAST(cost_usd AS DOUBLE), ttft_ms FROM {events} ORDER BY ts", row =>
        {
            var cost = row.IsNull(5) ? "unpriced" : row.GetDouble(5).ToString("0.000000000", CultureInfo.InvariantCulture);
            var ttft = row.IsNull(6) ? "-" : row.GetInt32(6).ToString(CultureInfo.InvariantCulture);
            output.WriteLine($"  {row.GetString(0),-24} {row.GetBoolean(1),6} {row.GetString(2),-8} {row.GetInt32(3),4} {row.GetInt32(4),4} {cost,12} {ttft,8}");
        }, cancellationToken);
        output.WriteLine("Done.");

        return new ExtensionsAIResult(plain.Usage, plainEvent, text.ToString(), updates, usage, streamEvent, fallback.ModelId, userMessage, settings.DataDirectory);
    }
}
