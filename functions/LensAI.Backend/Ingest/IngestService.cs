using LensAI.Backend.Parquet;
using LensAI.Pricing;
using Microsoft.Extensions.Logging;

namespace LensAI.Backend.Ingest;

/// <summary>
/// validate → redact → authoritative cost → Parquet. The project always comes from the API key; the SDK's cost is
/// kept only for models the backend's catalogue cannot price (<c>cost_source</c> says which).
/// </summary>
internal sealed partial class IngestService
{
    private readonly EventWriter _writer;
    private readonly PriceCatalog _catalog;
    private readonly IngestLimits _limits;
    private readonly TimeProvider _time;
    private readonly IngestMetrics _metrics;
    private readonly ILogger _logger;
    private readonly Func<string, ProjectSettings> _settings;
    private readonly Dictionary<string, PiiRedactor> _redactors = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly ConflictWindow _conflicts;

    public IngestService(EventWriter writer, PriceCatalog catalog, IngestLimits limits, Func<string, ProjectSettings> settings, TimeProvider time, IngestMetrics metrics, ILogger<IngestService> logger)
    {
        _writer = writer;
        _catalog = catalog;
        _limits = limits;
        _settings = settings;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _conflicts = new ConflictWindow(limits.ConflictWindowEvents);
    }

    public IngestLimits Limits => _limits;

    /// <summary>Reads, validates and stores a batch. Throws <see cref="BatchFormatException"/> for a malformed body and
    /// <see cref="Storage.ObjectStoreException"/> when storage fails (nothing acknowledged; the SDK retries).</summary>
    public async Task<IngestResult> IngestAsync(string project, ReadOnlyMemory<byte> json, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var read = EventBatchReader.Read(json.Span, _limits, now);
        var redactor = Redactor(project);
        var stored = new List<StoredEvent>(read.Accepted.Count);
        long redactions = 0;
        foreach (var e in read.Accepted)
        {
            var clean = redactor.Apply(e, out var n);
            redactions += n;
            stored.Add(Price(project, clean, now));
        }

        if (stored.Count > 0)
        {
            await _writer.WriteAsync(project, stored, cancellationToken).ConfigureAwait(false);
        }

        var conflicts = _conflicts.Record(project, read.Accepted);
        _metrics.Accepted.Add(stored.Count);
        _metrics.Rejected.Add(read.Rejected.Count);
        _metrics.Conflicts.Add(conflicts);
        _metrics.Redactions.Add(redactions);
        if (read.Rejected.Count > 0)
        {
            LogRejected(_logger, project, read.Rejected.Count, read.Total);
        }

        if (conflicts > 0)
        {
            LogConflicts(_logger, project, conflicts);
        }

        return new IngestResult(stored.Count, read.Rejected, conflicts);
    }

    private StoredEvent Price(string project, UsageEvent e, DateTimeOffset now)
    {
        if (_catalog.TryCalculate(e.Provider, e.Model, e.Usage, out var authoritative, out var priceVersion))
        {
            return new StoredEvent(e, project, authoritative, priceVersion, "catalog", now);
        }

        return e.CostUsd is { } sdkCost
            ? new StoredEvent(e, project, sdkCost, e.PriceVersion, "sdk", now)
            : new StoredEvent(e, project, null, null, null, now);
    }

    private PiiRedactor Redactor(string project)
    {
        lock (_gate)
        {
            if (!_redactors.TryGetValue(project, out var redactor))
            {
                redactor = new PiiRedactor(_settings(project).Redaction);
                _redactors[project] = redactor;
            }

            return redactor;
        }
    }

    [LoggerMessage(2, LogLevel.Warning, "Project {Project}: {Conflicts} event(s) re-used a recent event_id with different content; the first copy is kept.")]
    private static partial void LogConflicts(ILogger logger, string project, int conflicts);

    [LoggerMessage(1, LogLevel.Information, "Project {Project}: {Rejected} of {Total} event(s) refused by validation.")]
    private static partial void LogRejected(ILogger logger, string project, int rejected, int total);
}
