using System.Collections.Concurrent;
using LensAI.Budgets;
using LensAI.Diagnostics;
using LensAI.Pricing;
using LensAI.Shipping;
using Microsoft.Extensions.Logging;

namespace LensAI.Capture;

/// <summary>The shared core behind every wrapper: prices a captured call, turns it into an event and hands it to shipping.</summary>
internal sealed class CaptureEngine
{
    internal static readonly string SdkName = Connection.BackendConnection.SdkName;
    private const int MaxWarnedKeys = 1024;

    private readonly IEventSink _sink;
    private readonly LensAIMetrics _metrics;
    private readonly ILogger _logger;
    private readonly IReadOnlyDictionary<string, string>? _defaultMetadata;
    private readonly ConcurrentDictionary<(string, string), byte> _warned = new();

    public CaptureEngine(LensAIOptions options, PriceCatalog catalog, TimeProvider timeProvider, IEventSink sink, LensAIMetrics metrics, ILogger logger)
    {
        Options = options;
        Catalog = catalog;
        TimeProvider = timeProvider;
        Detector = new ProviderDetector(options.OpenAICompatibleEndpoints);
        Estimator = options.TokenEstimator ?? TokenEstimator.Default;
        _sink = sink;
        _metrics = metrics;
        _logger = logger;
        _defaultMetadata = options.DefaultMetadata.Count > 0 ? new Dictionary<string, string>(options.DefaultMetadata, StringComparer.Ordinal) : null;
    }

    public LensAIOptions Options { get; }

    public PriceCatalog Catalog { get; }

    public TimeProvider TimeProvider { get; }

    public ProviderDetector Detector { get; }

    /// <summary>Counts the tokens of calls whose usage the provider never reported (abandoned or broken streams, failed calls).</summary>
    public TokenEstimator Estimator { get; }

    /// <summary>Whether <see cref="Estimator"/> reads text (a tokenizer) rather than counting bytes (the default).</summary>
    public bool EstimatorNeedsText => !ReferenceEquals(Estimator, TokenEstimator.Default);

    /// <summary>Called with every recorded event (<see cref="LensAIClient.Recorded"/>; tests replace it). Must not throw.</summary>
    public Action<UsageEvent>? Recorded { get; set; }

    /// <summary>The budget guard (kill-switch), when budgets are enforced; it sees every recorded event before <see cref="Recorded"/>.</summary>
    public BudgetGuard? Budgets { get; set; }

    /// <summary>
    /// Asks the budget guard whether a call may be sent. Never throws: without a guard, or when the guard fails
    /// (counted in <c>lensai.budget.errors</c>), the call is allowed.
    /// </summary>
    public BudgetDecision CheckBudget(in BudgetRequest request)
    {
        var guard = Budgets;
        if (guard is null)
        {
            return default;
        }

        try
        {
            return guard.Check(request);
        }
        catch (Exception ex)
        {
            guard.OnGuardError(ex);
            return default;
        }
    }

    /// <summary>A call was stopped by a budget: counts it and returns the exception to throw (its blocked event is the caller's to record).</summary>
    public LensAIBudgetExceededException OnBudgetBlocked(in BudgetDecision decision) => Budgets!.OnBlocked(decision);

    /// <summary>Releases an allowed call's reservation without an event of its own. Never throws.</summary>
    public void ReleaseBudget(BudgetReservation? reservation)
    {
        if (reservation is null || Budgets is not { } guard)
        {
            return;
        }

        try
        {
            guard.Release(reservation);
        }
        catch (Exception ex)
        {
            guard.OnGuardError(ex);
        }
    }

    public UsageEvent Record(in CapturedCall call)
    {
        decimal? cost = null;
        string? priceVersion = null;
        if (call.Status == UsageStatus.Blocked)
        {
            cost = 0m; // stopped before it reached the provider: nothing was spent, whatever the model
        }
        else if (Catalog.TryCalculate(call.Provider, call.Model, call.Usage, out var price, out var version))
        {
            cost = price;
            priceVersion = version;
            _metrics.Cost.Add((double)price, new KeyValuePair<string, object?>("provider", call.Provider), new KeyValuePair<string, object?>("model", call.Model));
        }
        else
        {
            _metrics.Unpriced.Add(1, new KeyValuePair<string, object?>("provider", call.Provider));
            if (_warned.Count < MaxWarnedKeys && _warned.TryAdd(("price:" + call.Provider, call.Model), 0))
            {
                Log.UnpricedModel(_logger, call.Provider, call.Model);
            }
        }

        var usage = call.Usage;
        var start = EventTimestamps.Truncate(call.Start); // the contract is UTC, µs
        var e = new UsageEvent
        {
            EventId = EventIds.NewUlid(start),
            Timestamp = start,
            RequestId = call.ResponseId,
            UserId = call.Attribution.UserId,
            Route = call.Attribution.Route,
            Provider = call.Provider,
            Model = call.Model,
            Operation = call.Operation,
            Stream = call.Stream,
            TokensIn = usage.InputTokens,
            TokensOut = usage.OutputTokens,
            TokensCachedIn = usage.CachedInputTokens,
            TokensCacheWrite = usage.CacheWriteTokens,
            TokensCacheWrite1h = usage.CacheWrite1hTokens,
            TokensReasoning = usage.ReasoningTokens,
            TokensAudioIn = usage.AudioInputTokens,
            TokensAudioCachedIn = usage.CachedAudioInputTokens,
            TokensAudioOut = usage.AudioOutputTokens,
            CostUsd = cost,
            PriceVersion = priceVersion,
            ServiceTier = usage.ServiceTier,
            UsageEstimated = call.UsageEstimated,
            LatencyMs = call.LatencyMs,
            TtftMs = call.TtftMs,
            Status = call.Status,
            HttpStatus = call.HttpStatus,
            Metadata = AttributionScope.Merge(_defaultMetadata, call.Attribution.Metadata),
            Sdk = SdkName,
        };

        _metrics.Captured.Add(1, new KeyValuePair<string, object?>("provider", call.Provider));
        if (call.Status != UsageStatus.Blocked)
        {
            _metrics.RecordGenAi(call.Provider, call.Model, call.Operation, usage, call.LatencyMs, call.Status, call.HttpStatus);
        }
        if (Budgets is { } guard)
        {
            try
            {
                guard.OnRecorded(e, call.Reservation);
            }
            catch (Exception ex)
            {
                guard.OnGuardError(ex);
            }
        }

        try
        {
            Recorded?.Invoke(e);
        }
        catch (Exception ex)
        {
            OnCaptureError(new ProviderRoute(call.Provider, call.Operation, default), ex);
        }

        _sink.TryEnqueue(e);
        return e;
    }

    /// <summary>A call's usage had to be estimated: counted in <c>lensai.events.estimated</c>.</summary>
    public void OnEstimated(ProviderRoute route) => _metrics.Estimated.Add(1, new KeyValuePair<string, object?>("provider", route.Provider));

    /// <summary>A failure inside LensAI's capture: counted, logged once per provider and operation, never thrown.</summary>
    public void OnCaptureError(ProviderRoute route, Exception exception)
    {
        _metrics.CaptureErrors.Add(1, new KeyValuePair<string, object?>("provider", route.Provider));
        if (_warned.Count < MaxWarnedKeys && _warned.TryAdd(("capture:" + route.Provider, route.Operation), 0))
        {
            Log.CaptureFailed(_logger, route.Provider, route.Operation, exception);
        }
    }
}
