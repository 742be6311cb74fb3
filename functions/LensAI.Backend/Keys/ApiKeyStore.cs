using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using LensAI.Backend.Storage;

namespace LensAI.Backend.Keys;

/// <summary>
/// Per-project API keys (<c>lsk_&lt;prefix&gt;_&lt;secret&gt;</c>) kept in object storage as SHA-256 hashes
/// (<c>_system/api-keys.json</c>), compared in constant time, revocable. Updates use conditional writes, so two
/// instances creating keys at once never lose one.
/// </summary>
public sealed partial class ApiKeyStore : IDisposable
{
    internal const string ObjectKey = "_system/api-keys.json";
    private const string Alphabet = "abcdefghijkmnopqrstuvwxyz23456789";

    private readonly IObjectStore _store;
    private readonly TimeProvider _time;
    private readonly TimeSpan _refreshInterval;
    private readonly SemaphoreSlim _refreshGate = new(1, 1);
    private volatile Snapshot _snapshot = Snapshot.Empty;

    public ApiKeyStore(IObjectStore store, TimeProvider time, TimeSpan? refreshInterval = null)
    {
        _store = store;
        _time = time;
        _refreshInterval = refreshInterval ?? TimeSpan.FromSeconds(30);
    }

    /// <summary>Project ids are path-safe: lowercase letters, digits, '-' and '_', 1–63 characters, starting with a letter or digit.</summary>
    public static bool IsValidProjectId(string? project) => project is not null && ProjectIdPattern().IsMatch(project);

    /// <summary>Returns the project of a valid, unrevoked key; <see langword="null"/> otherwise.</summary>
    internal async ValueTask<string?> AuthenticateAsync(ApiKey presented, CancellationToken cancellationToken)
    {
        if (presented.Value is null)
        {
            return null;
        }

        var prefix = presented.Prefix;
        var snapshot = await CurrentAsync(forceIfOlderThan: null, cancellationToken).ConfigureAwait(false);
        if (!snapshot.ByPrefix.TryGetValue(prefix, out var record))
        {
            // A key created a moment ago on another instance: look again, at most once a second.
            snapshot = await CurrentAsync(forceIfOlderThan: TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            if (!snapshot.ByPrefix.TryGetValue(prefix, out record))
            {
                return null;
            }
        }

        var presentedHash = SHA256.HashData(Encoding.UTF8.GetBytes(presented.Value));
        var storedHash = Convert.FromHexString(record.Sha256);
        return CryptographicOperations.FixedTimeEquals(presentedHash, storedHash) && record.Revoked is null ? record.Project : null;
    }

    public async Task<CreatedApiKey> CreateAsync(string project, string? name, CancellationToken cancellationToken)
    {
        if (!IsValidProjectId(project))
        {
            throw new ArgumentException($"'{project}' is not a valid project id: use 1–63 lowercase letters, digits, '-' or '_', starting with a letter or digit.", nameof(project));
        }

        var key = ApiKey.Create(RandomToken(8), RandomToken(32));
        var record = new ApiKeyRecord(key.Prefix, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key.Value))), project, name, _time.GetUtcNow(), null);
        await UpdateAsync(list => list.Add(record), cancellationToken).ConfigureAwait(false);
        return new CreatedApiKey(key.Value, record);
    }

    /// <summary>Revokes the key with this prefix (or the full key); returns whether a key was revoked.</summary>
    internal async Task<bool> RevokeAsync(string prefixOrKey, CancellationToken cancellationToken)
    {
        var prefix = ApiKey.PrefixOf(prefixOrKey);
        var found = false;
        await UpdateAsync(list =>
        {
            for (var i = 0; i < list.Count; i++)
            {
                if (list[i].Prefix == prefix && list[i].Revoked is null)
                {
                    list[i] = list[i] with { Revoked = _time.GetUtcNow() };
                    found = true;
                }
            }
        }, cancellationToken).ConfigureAwait(false);
        return found;
    }

    internal async Task<IReadOnlyList<ApiKeyRecord>> ListAsync(string? project, CancellationToken cancellationToken)
    {
        var snapshot = await CurrentAsync(TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
        return snapshot.Records.Where(r => project is null || r.Project == project).OrderBy(r => r.Created).ToList();
    }

    private async Task UpdateAsync(Action<List<ApiKeyRecord>> change, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var current = await _store.GetAsync(ObjectKey, cancellationToken).ConfigureAwait(false);
            var records = current is null ? [] : Deserialize(current.Content).ToList();
            change(records);
            var bytes = JsonSerializer.SerializeToUtf8Bytes(new KeyFile(records), KeysJsonContext.Default.KeyFile);
            if (await _store.PutConditionalAsync(ObjectKey, bytes, current?.ETag, cancellationToken).ConfigureAwait(false) is not null)
            {
                _snapshot = new Snapshot(records, _time.GetTimestamp());
                return;
            }
        }

        throw new ObjectStoreException("Could not update the API key list: too many concurrent writers.");
    }

    private async ValueTask<Snapshot> CurrentAsync(TimeSpan? forceIfOlderThan, CancellationToken cancellationToken)
    {
        var snapshot = _snapshot;
        var maxAge = forceIfOlderThan ?? _refreshInterval;
        if (snapshot.Loaded && _time.GetElapsedTime(snapshot.LoadedAt) < maxAge)
        {
            return snapshot;
        }

        await _refreshGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            snapshot = _snapshot;
            if (snapshot.Loaded && _time.GetElapsedTime(snapshot.LoadedAt) < maxAge)
            {
                return snapshot;
            }

            var stored = await _store.GetAsync(ObjectKey, cancellationToken).ConfigureAwait(false);
            snapshot = new Snapshot(stored is null ? [] : Deserialize(stored.Content), _time.GetTimestamp());
            _snapshot = snapshot;
            return snapshot;
        }
        finally
        {
            _refreshGate.Release();
        }
    }

    private static IReadOnlyList<ApiKeyRecord> Deserialize(byte[] content)
        => JsonSerializer.Deserialize(content, KeysJsonContext.Default.KeyFile)?.Keys ?? [];

    private static string RandomToken(int length)
    {
        Span<char> chars = stackalloc char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
        }

        return new string(chars);
    }

    public void Dispose() => _refreshGate.Dispose();

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,62}$")]
    private static partial Regex ProjectIdPattern();

    private sealed class Snapshot(IReadOnlyList<ApiKeyRecord> records, long loadedAt, bool loaded = true)
    {
        public static readonly Snapshot Empty = new([], 0, loaded: false);

        public bool Loaded { get; } = loaded;

        public IReadOnlyList<ApiKeyRecord> Records { get; } = records;

        public Dictionary<string, ApiKeyRecord> ByPrefix { get; } = records.GroupBy(r => r.Prefix).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);

        public long LoadedAt { get; } = loadedAt;
    }
}
