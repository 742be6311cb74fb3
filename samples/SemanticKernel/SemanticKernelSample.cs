using System.ComponentModel;
using System.Globalization;
using System.Text;
using Microsoft.SemanticKernel;

namespace LensAI.Samples.SemanticKernel;

/// <summary>One row of the cost-per-function table, as read from Parquet.</summary>
/// <param name="Plugin">The <c>sk.plugin</c> metadata value.</param>
/// <param name="Function">The <c>sk.function</c> metadata value.</param>
/// <param name="Calls">Model calls made for that function.</param>
/// <param name="TokensIn">Their input tokens.</param>
/// <param name="TokensOut">Their output tokens.</param>
/// <param name="CostUsd">Their cost.</param>
public sealed record FunctionCost(string Plugin, string Function, long Calls, long TokensIn, long TokensOut, decimal CostUsd);

/// <summary>What the sample saw, for its smoke test.</summary>
/// <param name="Recorded">The events LensAI recorded, in order.</param>
/// <param name="StreamedText">The streamed headline, as printed.</param>
/// <param name="CostByFunction">The table printed at the end.</param>
public sealed record SemanticKernelResult(IReadOnlyList<UsageEvent> Recorded, string StreamedText, IReadOnlyList<FunctionCost> CostByFunction);

/// <summary>
/// LensAI on Semantic Kernel: the kernel's chat services are SK's own OpenAI connectors, and one line —
/// <c>builder.AddLensAI(lens)</c> — records every model call they make (streamed ones and those made inside other
/// functions included), each attributed to its plugin and function in the event's metadata (<c>sk.plugin</c>,
/// <c>sk.function</c>). The cost per plugin and function is then one GROUP BY over the stored events.
/// </summary>
public static class SemanticKernelSample
{
    /// <summary>The sample's entry point.</summary>
    public static async Task<SemanticKernelResult> RunAsync(string[] args, TextWriter output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        var settings = SampleSettings.From(args, "semantickernel");

        // 0. A model to call: OpenAI when OPENAI_API_KEY is set, otherwise the local replay of recorded responses.
        var apiKey = settings.OpenAIApiKey;
        await using var replay = apiKey is null ? await ReplayServer.StartAsync() : null;
        var baseUrl = replay?.BaseUrl ?? new Uri("https://api.openai.com/v1");
        output.WriteLine(replay is null
            ? "LIVE: calls go to api.openai.com (OPENAI_API_KEY is set)."
            : $"REPLAY: recorded OpenAI responses served from {baseUrl} (set OPENAI_API_KEY for live calls).");

        // 1. The backend: the embedded default, in this process.
        await using var backend = await LocalBackend.StartAsync(settings.DataDirectory, "semantic-kernel");
        output.WriteLine($"Embedded LensAI backend on {backend.Endpoint}.");

        // 2. LensAI.
        var options = new LensAIOptions
        {
            Endpoint = backend.Endpoint,
            ApiKey = backend.ApiKey,
            MaxBatchDelay = TimeSpan.FromMilliseconds(200),
            SpoolDirectory = Path.Combine(settings.DataDirectory, "spool"),
        };
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

        // 3. The kernel: SK's OpenAI connector, twice (a small model, and a reasoning one for the analyst), then the
        //    one line. The connectors send through the HttpClient LensAI puts in the kernel, so each model call is
        //    captured on the wire with OpenAI's exact usage.
        var builder = Kernel.CreateBuilder();
        builder.AddOpenAIChatCompletion("gpt-4o-mini", baseUrl, apiKey ?? "sk-replay", serviceId: "mini");
        builder.AddOpenAIChatCompletion("o3-mini", baseUrl, apiKey ?? "sk-replay", serviceId: "reasoning");
        builder.AddLensAI(lens);
        builder.Plugins.AddFromFunctions("Writer",
        [
            KernelFunctionFactory.CreateFromPrompt("Summarize in two sentences: {{$text}}", new PromptExecutionSettings { ServiceId = "mini" }, functionName: "Summarize"),
            KernelFunctionFactory.CreateFromPrompt("Write a one-line headline for: {{$text}}", new PromptExecutionSettings { ServiceId = "mini" }, functionName: "Headline"),
        ]);
        builder.Plugins.AddFromType<AnalystPlugin>("Analyst");
        var kernel = builder.Build();

        // 4. A few calls, for one user and one feature (LensAI scopes combine with the kernel's attribution).
        const string Report = "Q3 LLM spend rose 40 % after the assistant launch; caching cut the support bot's cost by half.";
        var streamed = new StringBuilder();
        using (lens.BeginScope(userId: "dana", route: "reports/weekly"))
        {
            var summary = await kernel.InvokeAsync("Writer", "Summarize", new() { ["text"] = Report }, cancellationToken);
            output.WriteLine();
            output.WriteLine($"Writer.Summarize: \"{summary}\"");
            await kernel.InvokeAsync("Writer", "Summarize", new() { ["text"] = "The dashboard now shows cost per route." }, cancellationToken);

            output.Write("Writer.Headline (streamed): ");
            await foreach (var token in kernel.InvokeStreamingAsync<string>("Writer", "Headline", new() { ["text"] = Report }, cancellationToken))
            {
                output.Write(token);
                streamed.Append(token);
            }

            output.WriteLine();

            // A native function that asks the reasoning model itself: its call is attributed to Analyst.Compare.
            var comparison = await kernel.InvokeAsync("Analyst", "Compare", new() { ["first"] = "gpt-4o", ["second"] = "gpt-4o-mini" }, cancellationToken);
            output.WriteLine($"Analyst.Compare: {comparison.ToString().Length} characters of analysis.");

            // An inline prompt, outside any plugin: recorded as (none) / (prompt).
            var hello = await kernel.InvokePromptAsync("Say hello.", new KernelArguments(new PromptExecutionSettings { ServiceId = "mini" }), cancellationToken: cancellationToken);
            output.WriteLine($"Inline prompt: \"{hello}\"");
        }

        // 5. Cost per plugin and function, from the Parquet the backend wrote.
        if (!await lens.FlushAsync(TimeSpan.FromSeconds(15), cancellationToken))
        {
            output.WriteLine("Not every event reached the backend in time.");
        }

        var rows = new List<FunctionCost>();
        await backend.QueryEventsAsync(
            """
            SELECT metadata['sk.plugin'], metadata['sk.function'], count(*), sum(tokens_in), sum(tokens_out), CAST(sum(cost_usd) AS DECIMAL(18, 9))
            FROM {events} GROUP BY ALL ORDER BY 6 DESC, 1, 2
            """,
            row => rows.Add(new FunctionCost(row.GetString(0) ?? "-", row.GetString(1) ?? "-", row.GetInt64(2), row.GetInt64(3), row.GetInt64(4), row.IsNull(5) ? 0m : row.GetDecimal(5))),
            cancellationToken);
        output.WriteLine();
        output.WriteLine("Cost per plugin and function (from Parquet)");
        output.WriteLine($"  {"plugin",-10} {"function",-12} {"calls",5} {"in",6} {"out",6} {"cost (USD)",13}");
        foreach (var row in rows)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {row.Plugin,-10} {row.Function,-12} {row.Calls,5} {row.TokensIn,6} {row.TokensOut,6} {row.CostUsd,13:0.000000000}"));
        }

        output.WriteLine("Done.");
        lock (recorded)
        {
            return new SemanticKernelResult([.. recorded], streamed.ToString(), rows);
        }
    }

    /// <summary>A native plugin whose function makes a model call of its own.</summary>
    public sealed class AnalystPlugin
    {
        /// <summary>Compares two models with the reasoning model.</summary>
        [KernelFunction, Description("Compares two models for a use case.")]
        public static async Task<string> Compare(Kernel kernel, string first, string second)
        {
            ArgumentNullException.ThrowIfNull(kernel);
            var answer = await kernel.InvokePromptAsync(
                $"Compare {first} and {second} for a support bot.",
                new KernelArguments(new PromptExecutionSettings { ServiceId = "reasoning" }));
            return answer.ToString();
        }
    }
}
