namespace LensAI.Backend.Ingest;

/// <summary>
/// The outcome of one accepted batch: how many events were stored, which were refused and why, and how many re-used a
/// recent <c>event_id</c> with different content (<see cref="Conflicts"/>: storage keeps the first copy).
/// </summary>
internal sealed record IngestResult(int Accepted, IReadOnlyList<RejectedEvent> Rejected, int Conflicts = 0);
