namespace LensAI.Backend.Ingest;

/// <summary>
/// An event of the batch that was refused, with its reasons: at most <see cref="EventBatchReader.MaxErrorsPerEvent"/>
/// of them, and how many more there were.
/// </summary>
internal sealed record RejectedEvent(int Index, IReadOnlyList<FieldError> Errors, int MoreErrors = 0);
