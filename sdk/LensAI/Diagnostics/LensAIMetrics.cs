using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace LensAI.Diagnostics;

/// <summary>The <c>LensAI</c> meter: what the SDK captured, shipped, spooled, dropped and could not price.</summary>
internal sealed class LensAIMetrics : IDisposable
{
    public const string MeterName = "LensAI";

    private readonly Meter _meter;

    public LensAIMetrics(Func<long> queueLength, Func<long> spoolBytes)
    {
        _meter = new Meter(MeterName, typeof(LensAIMetrics).Assembly.GetName().Version?.ToString());
        Captured = _meter.CreateCounter<long>("lensai.events.captured", "{event}", "LLM calls captured.");
        Shipped = _meter.CreateCounter<long>("lensai.events.shipped", "{event}", "Events accepted by the ingest endpoint.");
        Spooled = _meter.CreateCounter<long>("lensai.events.spooled", "{event}", "Events written to the disk spool because the endpoint could not be reached.");
        Dropped = _meter.CreateCounter<long>("lensai.events.dropped", "{event}", "Events lost, by reason: queue_full, spool_full, expired, rejected, shutdown, no_spool.");
        Estimated = _meter.CreateCounter<long>("lensai.events.estimated", "{event}", "Calls the provider billed without reporting their usage (abandoned or broken streams, failed calls): their tokens were estimated.");
        Unpriced = _meter.CreateCounter<long>("lensai.events.unpriced", "{event}", "Calls whose model the price catalogue does not know (cost_usd is null).");
        CaptureErrors = _meter.CreateCounter<long>("lensai.capture.errors", "{error}", "Failures inside LensAI's capture; the caller's call was not affected.");
        Cost = _meter.CreateCounter<double>("lensai.cost", "USD", "Cost of captured calls at catalogue prices.");
        BudgetBlocked = _meter.CreateCounter<long>("lensai.budget.blocked", "{call}", "Calls stopped by a budget before they reached the provider, by scope.");
        BudgetWarnings = _meter.CreateCounter<long>("lensai.budget.warnings", "{call}", "Calls over a budget let through because the budget mode is Warn, by scope.");
        BudgetFallbacks = _meter.CreateCounter<long>("lensai.budget.fallbacks", "{call}", "IChatClient calls over a budget sent to the configured fallback model instead.");
        BudgetErrors = _meter.CreateCounter<long>("lensai.budget.errors", "{error}", "Failures inside the budget guard; the call was allowed.");
        BudgetPollFailures = _meter.CreateCounter<long>("lensai.budget.poll.failures", "{poll}", "Budget status polls that failed; the last known status stays in force.");

        // The OpenTelemetry GenAI semantic conventions' client metrics, with their recommended bucket boundaries.
        TokenUsage = _meter.CreateHistogram<long>("gen_ai.client.token.usage", "{token}", "Number of input and output tokens used.",
            tags: null, advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864] });
        OperationDuration = _meter.CreateHistogram<double>("gen_ai.client.operation.duration", "s", "GenAI operation duration.",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92] });
        _meter.CreateObservableGauge("lensai.queue.length", queueLength, "{event}", "Events waiting in memory to be shipped.");
        _meter.CreateObservableGauge("lensai.spool.size", spoolBytes, "By", "Bytes in the disk spool.");
    }

    public Meter Meter => _meter;

    public Counter<long> Captured { get; }

    public Counter<long> Shipped { get; }

    public Counter<long> Spooled { get; }

    public Counter<long> Dropped { get; }

    public Counter<long> Unpriced { get; }

    /// <summary><c>lensai.events.estimated</c>: calls whose token counts LensAI estimated (usage_estimated = true).</summary>
    public Counter<long> Estimated { get; }

    public Counter<long> CaptureErrors { get; }

    public Counter<double> Cost { get; }

    public Counter<long> BudgetBlocked { get; }

    public Counter<long> BudgetWarnings { get; }

    public Counter<long> BudgetFallbacks { get; }

    public Counter<long> BudgetErrors { get; }

    public Counter<long> BudgetPollFailures { get; }

    /// <summary><c>gen_ai.client.token.usage</c>: input and output tokens per call (<c>gen_ai.token.type</c>).</summary>
    public Histogram<long> TokenUsage { get; }

    /// <summary><c>gen_ai.client.operation.duration</c>: seconds per call, with <c>error.type</c> when it failed.</summary>
    public Histogram<double> OperationDuration { get; }

    /// <summary>
    /// Records one call on the GenAI convention's instruments (nothing is built when no listener is attached). Tags are
    /// bounded: provider, operation, model and an error class — never user, route or metadata.
    /// </summary>
    public void RecordGenAi(string provider, string model, string operation, TokenUsage usage, int latencyMs, UsageStatus status, int? httpStatus)
    {
        if (!TokenUsage.Enabled && !OperationDuration.Enabled)
        {
            return;
        }

        var tags = new TagList
        {
            { "gen_ai.operation.name", GenAiOperation(operation) },
            { "gen_ai.provider.name", GenAiProvider(provider) },
            { "gen_ai.request.model", model },
            { "gen_ai.response.model", model },
        };
        if (status != UsageStatus.Ok)
        {
            var error = tags;
            error.Add("error.type", httpStatus is int code ? code.ToString(System.Globalization.CultureInfo.InvariantCulture) : "_OTHER");
            OperationDuration.Record(latencyMs / 1000d, error);
            return;
        }

        OperationDuration.Record(latencyMs / 1000d, tags);
        var input = tags;
        input.Add("gen_ai.token.type", "input");
        TokenUsage.Record(usage.InputTokens, input);
        var output = tags;
        output.Add("gen_ai.token.type", "output");
        TokenUsage.Record(usage.OutputTokens, output);
    }

    /// <summary>The convention's <c>gen_ai.provider.name</c> for LensAI's provider names.</summary>
    internal static string GenAiProvider(string provider) => provider switch
    {
        "azure_openai" => "azure.ai.openai",
        "gemini" => "gcp.gemini",
        "vertex_ai" => "gcp.vertex_ai",
        "mistral" => "mistral_ai",
        _ => provider,
    };

    /// <summary>The convention's <c>gen_ai.operation.name</c> for LensAI's operations.</summary>
    internal static string GenAiOperation(string operation) => operation switch
    {
        "chat" or "messages" or "responses" => "chat",
        "embeddings" => "embeddings",
        "completions" => "text_completion",
        "generateContent" or "streamGenerateContent" or "generate_content" => "generate_content",
        _ => operation,
    };

    public void Drop(long count, string reason)
    {
        if (count > 0)
        {
            Dropped.Add(count, new KeyValuePair<string, object?>("reason", reason));
        }
    }

    public void Dispose() => _meter.Dispose();
}
