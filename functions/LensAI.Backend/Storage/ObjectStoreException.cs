namespace LensAI.Backend.Storage;

/// <summary>
/// Storage failed (unreachable, timed out, refused, or answered with an error); ingest answers 503 and the SDK
/// retries. <see cref="StatusCode"/> and <see cref="ErrorCode"/> carry the service's answer when there was one.
/// A failed write condition is not an exception: <see cref="IObjectStore.PutConditionalAsync"/> returns null.
/// </summary>
public sealed class ObjectStoreException : Exception
{
    public ObjectStoreException(string message, Exception? inner = null) : base(message, inner)
    {
    }

    public ObjectStoreException(string message, int? statusCode, string? errorCode, Exception? inner = null)
        : base(message, inner)
    {
        StatusCode = statusCode;
        ErrorCode = errorCode;
    }

    public ObjectStoreException()
    {
    }

    public ObjectStoreException(string message) : base(message)
    {
    }

    /// <summary>The HTTP status the service answered with; null when no answer came (unreachable, timed out).</summary>
    public int? StatusCode { get; }

    /// <summary>The service's error code (<c>ServiceUnavailable</c>, <c>ContainerNotFound</c>, …) when it sent one.</summary>
    public string? ErrorCode { get; }
}
