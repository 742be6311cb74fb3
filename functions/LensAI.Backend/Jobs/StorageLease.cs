using System.Text.Json;
using System.Text.Json.Serialization;
using LensAI.Backend.Storage;

namespace LensAI.Backend.Jobs;

/// <summary>
/// A lease on a name, kept as a small object in storage (<c>_system/leases/&lt;name&gt;.json</c>) and taken with a
/// conditional write, so two instances never run the same job (or touch the same state) at once. A crashed holder's
/// lease simply expires.
/// </summary>
internal sealed class StorageLease
{
    private readonly IObjectStore _store;
    private readonly TimeProvider _time;
    private string _etag;

    private StorageLease(IObjectStore store, TimeProvider time, string key, string owner, string etag, DateTimeOffset expires)
    {
        _store = store;
        _time = time;
        Key = key;
        Owner = owner;
        _etag = etag;
        Expires = expires;
    }

    public string Key { get; }

    public string Owner { get; }

    public DateTimeOffset Expires { get; private set; }

    public static async Task<StorageLease?> TryAcquireAsync(IObjectStore store, TimeProvider time, string name, string owner, TimeSpan duration, CancellationToken cancellationToken)
    {
        var key = $"_system/leases/{name}.json";
        var current = await store.GetAsync(key, cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        if (current is not null)
        {
            var held = Parse(current.Content);
            if (held is not null && held.Expires > now && held.Owner != owner)
            {
                return null;
            }
        }

        var expires = now + duration;
        var etag = await store.PutConditionalAsync(key, Serialize(owner, expires), current?.ETag, cancellationToken).ConfigureAwait(false);
        return etag is null ? null : new StorageLease(store, time, key, owner, etag, expires);
    }

    /// <summary>Extends the lease; <see langword="false"/> when it was lost (expired and taken by someone else).</summary>
    public async Task<bool> RenewAsync(TimeSpan duration, CancellationToken cancellationToken)
    {
        var expires = _time.GetUtcNow() + duration;
        var etag = await _store.PutConditionalAsync(Key, Serialize(Owner, expires), _etag, cancellationToken).ConfigureAwait(false);
        if (etag is null)
        {
            return false;
        }

        _etag = etag;
        Expires = expires;
        return true;
    }

    /// <summary>Gives the lease up (expires it now) if still held.</summary>
    public async Task ReleaseAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _store.PutConditionalAsync(Key, Serialize(Owner, _time.GetUtcNow()), _etag, cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectStoreException)
        {
            // It expires on its own.
        }
    }

    private static byte[] Serialize(string owner, DateTimeOffset expires)
        => JsonSerializer.SerializeToUtf8Bytes(new LeaseRecord(owner, expires), JobsJsonContext.Default.LeaseRecord);

    private static LeaseRecord? Parse(byte[] content)
    {
        try
        {
            return JsonSerializer.Deserialize(content, JobsJsonContext.Default.LeaseRecord);
        }
        catch (JsonException)
        {
            return null; // a corrupt lease is treated as free
        }
    }
}
