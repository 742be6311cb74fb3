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
        Unpriced = _meter.CreateCounter<long>("lensai.events.unpriced", "{event}", "Calls whose model the price catalogue does not know (cost_usd is null).");
        CaptureErrors = _meter.CreateCounter<long>("lensai.capture.errors", "{error}", "Failures inside LensAI's capture; the caller's call was not affected.");
        Cost = _meter.CreateCounter<double>("lensai.cost", "USD", "Cost of captured calls at catalogue prices.");
        BudgetBlocked = _meter.CreateCounter<long>("lensai.budget.blocked", "{call}", "Calls stopped by a budget before they reached the provider, by scope.");
        BudgetWarnings = _meter.CreateCounter<long>("lensai.budget.warnings", "{call}", "Calls over a budget let through because the budget mode is Warn, by scope.");
        BudgetFallbacks = _meter.CreateCounter<long>("lensai.budget.fallbacks", "{call}", "IChatClient calls over a budget sent to the configured fallback model instead.");
        BudgetErrors = _meter.CreateCounter<long>("lensai.budget.errors", "{error}", "Failures inside the budget guard; the call was allowed.");
        BudgetPollFailures = _meter.CreateCounter<long>("lensai.budget.poll.failures", "{poll}", "Budget status polls that failed; the last known status stays in force.");
        _meter.CreateObservableGauge("lensai.queue.length", queueLength, "{event}", "Events waiting in memory to be shipped.");
        _meter.CreateObservableGauge("lensai.spool.size", spoolBytes, "By", "Bytes in the disk spool.");
    }

    public Meter Meter => _meter;

    public Counter<long> Captured { get; }

    public Counter<long> Shipped { get; }

    public Counter<long> Spooled { get; }

    public Counter<long> Dropped { get; }

    public Counter<long> Unpriced { get; }

    public Counter<long> CaptureErrors { get; }

    public Counter<double> Cost { get; }

    public Counter<long> BudgetBlocked { get; }

    public Counter<long> BudgetWarnings { get; }

    public Counter<long> BudgetFallbacks { get; }

    public Counter<long> BudgetErrors { get; }

    public Counter<long> BudgetPollFailures { get; }

    public void Drop(long count, string reason)
    {
        if (count > 0)
        {
            Dropped.Add(count, new KeyValuePair<string, object?>("reason", reason));
        }
    }

    public void Dispose() => _meter.Dispose();
}
