namespace LensAI.Backend.Storage;

/// <summary>
/// The object storage the backend writes to: a local folder, S3, or Azure Blob. Keys are '/'-separated paths
/// (<c>events/project=acme/dt=2026-11-21/part-….parquet</c>). Every write is whole: a reader sees the old object,
/// the new object or none — never a partial one.
/// <para>
/// Keys follow <see cref="ObjectKeys"/> on every adapter (relative, no empty, <c>.</c> or <c>..</c> segments, no
/// backslashes); a bad key is an <see cref="ArgumentException"/> naming it. Storage failures (unreachable, timed
/// out, 5xx after bounded retries, refused) are <see cref="ObjectStoreException"/>; the caller's cancellation stays
/// an <see cref="OperationCanceledException"/>. Implementations: <see cref="LocalFolderStore"/>,
/// <see cref="S3ObjectStore"/>, <see cref="AzureBlobStore"/>, built from options by <see cref="ObjectStoreFactory"/>.
/// </para>
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
    /// (someone else wrote first, or the object is gone). Used for leases and state that concurrent instances share.
    /// ETags are opaque: compare them only with ETags from the same store (<see cref="GetAsync"/> returns the same
    /// form this method does). Of several racing writers with the same condition, exactly one succeeds.
    /// </summary>
    Task<string?> PutConditionalAsync(string key, ReadOnlyMemory<byte> content, string? ifMatchETag, CancellationToken cancellationToken);

    /// <summary>Reads an object, or <see langword="null"/> when it does not exist.</summary>
    Task<StoredObject?> GetAsync(string key, CancellationToken cancellationToken);

    /// <summary>Downloads an object to a local file; <see langword="false"/> when it does not exist.</summary>
    Task<bool> DownloadToFileAsync(string key, string localPath, CancellationToken cancellationToken);

    /// <summary>
    /// Lists objects whose key starts with <paramref name="prefix"/> (a plain string prefix, "" for all), recursively,
    /// in ordinal key order, paging through the service as it goes.
    /// </summary>
    IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, CancellationToken cancellationToken);

    /// <summary>Deletes an object; no error when it does not exist.</summary>
    Task DeleteAsync(string key, CancellationToken cancellationToken);
}
