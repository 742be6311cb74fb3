using System.Globalization;

namespace LensAI.Backend.Benchmarks;

/// <summary>What one scale-out run measured (<see cref="ScaleOutRun"/>).</summary>
public sealed record ScaleOutResult
{
    public required string Store { get; init; }

    /// <summary>Events in the batches the generator sent (each batch at least once).</summary>
    public long EventsSent { get; init; }

    /// <summary>Events in batches answered 200 (each event counted once, however many times its batch was re-sent).</summary>
    public long EventsAcknowledged { get; init; }

    /// <summary>Requests sent again to another instance after a connection error or a 5xx.</summary>
    public long Retries { get; init; }

    /// <summary>Batches never answered 200.</summary>
    public long BatchesFailed { get; init; }

    public double IngestSeconds { get; init; }

    /// <summary>Rows in the exports of every project (<c>GET /v1/export</c> from a surviving instance).</summary>
    public long ExportRows { get; init; }

    /// <summary>Event ids that appear more than once in an export.</summary>
    public long ExportDuplicates { get; init; }

    /// <summary>Acknowledged events missing from the export.</summary>
    public long ExportMissing { get; init; }

    /// <summary>Exported events that were never acknowledged (a batch stored but never answered 200).</summary>
    public long ExportUnacknowledged { get; init; }

    /// <summary>Exported events whose cost differs from the catalogue's for that event.</summary>
    public long ExportCostMismatches { get; init; }

    /// <summary>The catalogue's cost of every acknowledged event.</summary>
    public decimal ExpectedCost { get; init; }

    public decimal ExportCost { get; init; }

    /// <summary>The report's total requests over every project (<c>GET /v1/report</c>).</summary>
    public long ReportRequests { get; init; }

    public decimal ReportCost { get; init; }

    /// <summary>Rows in the stored parts, copies of re-sent events included (reads remove them).</summary>
    public long StoredRows { get; init; }

    public long Parts { get; init; }

    /// <summary>The most parts one (project, day) had at the end.</summary>
    public long MaxPartsPerPartition { get; init; }

    /// <summary>Store-internal temp files left by killed writers (local folder only; never listed or read).</summary>
    public int LeftoverTempFiles { get; init; }

    /// <summary>Thresholds the acknowledged spend crossed (project × threshold).</summary>
    public int ThresholdsCrossed { get; init; }

    /// <summary>
    /// Alerts the budget checks queued (a check that finds several thresholds newly crossed queues one, for the
    /// highest), all sent or given up by the end: the ids recorded as sent plus the dead ones.
    /// </summary>
    public int AlertsQueued { get; init; }

    /// <summary>Alerts given up after every retry.</summary>
    public int AlertsDead { get; init; }

    /// <summary>Distinct alert ids the webhook receiver got.</summary>
    public int AlertsReceived { get; init; }

    /// <summary>Deliveries the webhook receiver got (more than <see cref="AlertsReceived"/> means an alert was sent twice).</summary>
    public int AlertDeliveries { get; init; }

    /// <summary>Deliveries of an alert no check recorded as sent, or for a threshold the spend did not cross.</summary>
    public int AlertsUnexpected { get; init; }

    /// <summary>The lease the killed job runner held when it was killed, or null when it held none.</summary>
    public string? KilledLease { get; init; }

    /// <summary>How long that lease still had to run when its holder was killed.</summary>
    public double? LeaseRemainingSeconds { get; init; }

    /// <summary>From the job runner's kill to another job runner holding the lease.</summary>
    public double? TakeoverSeconds { get; init; }

    /// <summary>From the last acknowledged batch to the last expected alert delivered.</summary>
    public double AlertsSettledSeconds { get; init; }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"""
        store {Store}: {EventsSent:N0} events sent, {EventsAcknowledged:N0} acknowledged in {IngestSeconds:0.0} s ({EventsAcknowledged / Math.Max(0.001, IngestSeconds):N0}/s), {Retries:N0} requests retried on another instance, {BatchesFailed} batches failed
          export: {ExportRows:N0} rows, {ExportDuplicates} duplicate ids, {ExportMissing} acknowledged events missing, {ExportUnacknowledged} unacknowledged, {ExportCostMismatches} cost mismatches; cost {ExportCost} (expected {ExpectedCost})
          report: {ReportRequests:N0} requests, cost {ReportCost}
          stored: {StoredRows:N0} rows in {Parts} parts (at most {MaxPartsPerPartition} per project-day; {StoredRows - ExportRows:N0} re-sent copies removed on read), {LeftoverTempFiles} half-written temp files (never listed)
          alerts: {ThresholdsCrossed} thresholds crossed, {AlertsQueued} alerts queued ({AlertsDead} given up), {AlertsReceived} received, {AlertDeliveries} deliveries, {AlertsUnexpected} unexpected; all in {AlertsSettledSeconds:0.0} s after the last batch
          job runner killed holding {KilledLease ?? "no lease"}{(LeaseRemainingSeconds is { } r ? $" ({r:0.0} s left)" : "")}; taken over after {(TakeoverSeconds is { } t ? t.ToString("0.0", CultureInfo.InvariantCulture) + " s" : "n/a")}
        """);
}
