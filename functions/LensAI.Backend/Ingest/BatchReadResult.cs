namespace LensAI.Backend.Ingest;

/// <summary>The result of reading a batch: the events that passed validation and the ones that did not.</summary>
internal sealed record BatchReadResult(IReadOnlyList<UsageEvent> Accepted, IReadOnlyList<RejectedEvent> Rejected, int Total);
