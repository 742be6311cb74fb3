namespace LensAI.Backend.Storage;

/// <summary>
/// The object storage the backend writes to: a local folder, S3, or Azure Blob. Keys are '/'-separated paths
/// (<c>events/project=acme/dt=2026-11-21/part-….parquet</c>). Every write is whole: a reader sees the old object,
/// the new object or none — never a partial one.
/// </summary>
public interface IObjectStore
{
    /// <summary>A short name for logs and metrics: <c>local</c>, <c>s3</c>, <c>azureblob</c>.</summary>
    string Kind { get; }

    /// <summary>Writes (or replaces) an object from a local file, atomically.</summary>
    Task PutFileAsync(string key, string localPath, CancellationToken cancellationToken);

    /// <summary>Writes (or replaces) an object from bytes, atomically.</summary>
    Task PutAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken);

    /// <summary>
    /// Writes an object only if it does not exist (<paramref name="ifMatchETag"/> null) or only if its current ETag
    /// is <paramref name="ifMatchETag"/>. Returns the new ETag, or <see langword="null"/> when the condition failed
    /// (someone else wrote first). Used for leases and state that concurrent instances share.
    /// </summary>
    Task<string?> PutConditionalAsync(string key, ReadOnlyMemory<byte> content, string? ifMatchETag, CancellationToken cancellationToken);

    /// <summary>Reads an object, or <see langword="null"/> when it does not exist.</summary>
    Task<StoredObject?> GetAsync(string key, CancellationToken cancellationToken);

    /// <summary>Downloads an object to a local file; <see langword="false"/> when it does not exist.</summary>
    Task<bool> DownloadToFileAsync(string key, string localPath, CancellationToken cancellationToken);

    /// <summary>Lists objects whose key starts with <paramref name="prefix"/>, in key order.</summary>
    IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, CancellationToken cancellationToken);

    /// <summary>Deletes an object; no error when it does not exist.</summary>
    Task DeleteAsync(string key, CancellationToken cancellationToken);
}

/// <summary>An object's content and ETag.</summary>
public sealed record StoredObject(byte[] Content, string ETag);

/// <summary>A listed object.</summary>
public sealed record ObjectInfo(string Key, long Size, DateTimeOffset LastModified);

/// <summary>Storage failed (unreachable, timed out, refused); ingest answers 503 and the SDK retries.</summary>
public sealed class ObjectStoreException : Exception
{
    public ObjectStoreException(string message, Exception? inner = null) : base(message, inner)
    {
    }

    public ObjectStoreException()
    {
    }

    public ObjectStoreException(string message) : base(message)
    {
    }
}
