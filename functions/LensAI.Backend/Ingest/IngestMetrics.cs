using System.Diagnostics.Metrics;

namespace LensAI.Backend.Ingest;

/// <summary>The <c>LensAI.Ingest</c> meter: batches, events accepted, rejected and in conflict, bytes, storage latency.</summary>
internal sealed class IngestMetrics : IDisposable
{
    public const string MeterName = "LensAI.Ingest";
    private readonly Meter _meter = new(MeterName);

    public IngestMetrics()
    {
        Batches = _meter.CreateCounter<long>("lensai.ingest.batches", "{batch}", "Batches received, by outcome.");
        Accepted = _meter.CreateCounter<long>("lensai.ingest.events.accepted", "{event}", "Events written to storage.");
        Rejected = _meter.CreateCounter<long>("lensai.ingest.events.rejected", "{event}", "Events refused by validation.");
        Conflicts = _meter.CreateCounter<long>("lensai.ingest.events.conflicts", "{event}", "Events that re-used a recent event_id with different content (the first copy is kept).");
        Redactions = _meter.CreateCounter<long>("lensai.ingest.redactions", "{match}", "PII or secrets removed before writing.");
        Bytes = _meter.CreateCounter<long>("lensai.ingest.bytes", "By", "Request bytes received (as sent).");
        StorageLatency = _meter.CreateHistogram<double>("lensai.ingest.storage.duration", "ms", "Time to write one Parquet part to object storage.");
        PartEvents = _meter.CreateHistogram<long>("lensai.ingest.part.events", "{event}", "Events per written Parquet part.");
    }

    public Meter Meter => _meter;

    public Counter<long> Batches { get; }

    public Counter<long> Accepted { get; }

    public Counter<long> Rejected { get; }

    public Counter<long> Conflicts { get; }

    public Counter<long> Redactions { get; }

    public Counter<long> Bytes { get; }

    public Histogram<double> StorageLatency { get; }

    public Histogram<long> PartEvents { get; }

    public void Dispose() => _meter.Dispose();
}
