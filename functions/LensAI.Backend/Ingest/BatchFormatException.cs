namespace LensAI.Backend.Ingest;

/// <summary>The body is not a batch at all (malformed JSON, wrong shape, too deep, too many events): the whole request is refused.</summary>
internal sealed class BatchFormatException(string message, int status = 400) : Exception(message)
{
    /// <summary>The HTTP status to answer: 400, or 413 for too many events.</summary>
    public int Status { get; } = status;
}
