using LensAI.Backend.Storage;

namespace LensAI.Functions.Tests;

/// <summary>Wraps a real store and fails or hangs writes on demand, to test what ingest does when storage breaks mid-batch.</summary>
internal sealed class FaultyStore(IObjectStore inner) : IObjectStore
{
    private int _failures;

    /// <summary>The next this-many part uploads throw after a partial write was started.</summary>
    public int FailNextPuts { get => _failures; set => _failures = value; }

    /// <summary>When set, part uploads wait for it (or for cancellation): a storage timeout.</summary>
    public TaskCompletionSource? Hang { get; set; }

    public int Puts;

    public string Kind => inner.Kind;

    public async Task PutFileAsync(string key, string localPath, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Puts);
        if (Hang is { } hang)
        {
            await hang.Task.WaitAsync(cancellationToken);
        }

        if (Interlocked.Decrement(ref _failures) >= 0)
        {
            throw new ObjectStoreException("simulated: connection reset while uploading " + key, 503, "Simulated", null);
        }

        Interlocked.Exchange(ref _failures, 0);
        await inner.PutFileAsync(key, localPath, cancellationToken);
    }

    public Task PutAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) => inner.PutAsync(key, content, cancellationToken);

    public Task<string?> PutConditionalAsync(string key, ReadOnlyMemory<byte> content, string? ifMatchETag, CancellationToken cancellationToken) => inner.PutConditionalAsync(key, content, ifMatchETag, cancellationToken);

    public Task<StoredObject?> GetAsync(string key, CancellationToken cancellationToken) => inner.GetAsync(key, cancellationToken);

    public Task<bool> DownloadToFileAsync(string key, string localPath, CancellationToken cancellationToken) => inner.DownloadToFileAsync(key, localPath, cancellationToken);

    public IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, CancellationToken cancellationToken) => inner.ListAsync(prefix, cancellationToken);

    public Task DeleteAsync(string key, CancellationToken cancellationToken) => inner.DeleteAsync(key, cancellationToken);
}
