using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using LensAI.Backend.Budgets;
using LensAI.Backend.Storage;

namespace LensAI.Backend.Keys;

/// <summary>
/// Per-project API keys (<c>lsk_&lt;prefix&gt;_&lt;secret&gt;</c>) kept in object storage as SHA-256 hashes
/// (<c>_system/api-keys.json</c>), compared in constant time, revocable. Updates use conditional writes, so two
/// instances creating keys at once never lose one. Keys carry scopes (<see cref="ApiKeyScopes"/>) and may expire;
/// <see cref="RotateAsync"/> replaces a key, the old one staying valid for an overlap window. Creating, rotating and
/// revoking a key appends an audit entry (when the store has an <see cref="AuditLog"/>, as the backend's does).
/// </summary>
public sealed partial class ApiKeyStore : IDisposable
{
    internal const string ObjectKey = "_system/api-keys.json";
    private const string Alphabet = "abcdefghijkmnopqrstuvwxyz23456789";

    private readonly IObjectStore _store;
    private readonly TimeProvider _time;
    private readonly TimeSpan _refreshInterval;
    private readonly SemaphoreSlim _refreshGate = new(1, 1);
    private readonly AuditLog? _audit;
    private volatile Snapshot _snapshot = Snapshot.Empty;

    public ApiKeyStore(IObjectStore store, TimeProvider time, TimeSpan? refreshInterval = null)
        : this(store, time, audit: null, refreshInterval)
    {
    }

    internal ApiKeyStore(IObjectStore store, TimeProvider time, AuditLog? audit, TimeSpan? refreshInterval = null)
    {
        _store = store;
        _time = time;
        _audit = audit;
        _refreshInterval = refreshInterval ?? TimeSpan.FromSeconds(30);
    }

    /// <summary>Project ids are path-safe: lowercase letters, digits, '-' and '_', 1–63 characters, starting with a letter or digit.</summary>
    public static bool IsValidProjectId(string? project) => project is not null && ProjectIdPattern().IsMatch(project);

    /// <summary>Returns the record of a valid key that is neither revoked nor expired; <see langword="null"/> otherwise.</summary>
    internal async ValueTask<ApiKeyRecord?> AuthenticateAsync(ApiKey presented, CancellationToken cancellationToken)
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
        var hashMatches = CryptographicOperations.FixedTimeEquals(presentedHash, storedHash);
        return hashMatches && record.IsActiveAt(_time.GetUtcNow()) ? record : null;
    }

    /// <summary>A new key of <paramref name="project"/> with every scope (ingest, read and admin), never expiring.</summary>
    public Task<CreatedApiKey> CreateAsync(string project, string? name, CancellationToken cancellationToken)
        => CreateAsync(project, name, ApiKeyScopes.All, expires: null, actor: "system", cancellationToken);

    /// <summary>A new key of <paramref name="project"/> with <paramref name="scopes"/>, expiring at <paramref name="expires"/> (null: never).</summary>
    internal async Task<CreatedApiKey> CreateAsync(string project, string? name, ApiKeyScopes scopes, DateTimeOffset? expires, string actor, CancellationToken cancellationToken)
    {
        if (!IsValidProjectId(project))
        {
            throw new ArgumentException($"'{project}' is not a valid project id: use 1–63 lowercase letters, digits, '-' or '_', starting with a letter or digit.", nameof(project));
        }

        var (key, record) = NewKey(project, name, scopes, expires);
        await UpdateAsync(list => list.Add(record), cancellationToken).ConfigureAwait(false);
        await AuditAsync(actor, "key.created", record, null, record, null, cancellationToken).ConfigureAwait(false);
        return new CreatedApiKey(key.Value, record);
    }

    /// <summary>
    /// Replaces the active key <paramref name="prefixOrKey"/> with a new one of the same project and name: the old key
    /// keeps working for <paramref name="overlap"/> (never longer than it would have anyway), then is refused. The new
    /// key has <paramref name="scopes"/>, or the old key's when null; a key stored without scopes must be given them.
    /// Throws <see cref="KeyNotFoundException"/> when no active key has that prefix.
    /// </summary>
    internal async Task<CreatedApiKey> RotateAsync(string prefixOrKey, TimeSpan overlap, ApiKeyScopes? scopes, DateTimeOffset? expires, string actor, string? reason, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(overlap, TimeSpan.Zero);
        var prefix = ApiKey.PrefixOf(prefixOrKey);
        ApiKeyRecord? before = null, after = null, created = null;
        ApiKey key = default;
        await UpdateAsync(list =>
        {
            var now = _time.GetUtcNow();
            var index = list.FindIndex(r => r.Prefix == prefix && r.IsActiveAt(now));
            if (index < 0)
            {
                throw new KeyNotFoundException($"No active key with prefix '{prefix}' (see 'lensai keys list').");
            }

            before = list[index];
            var newScopes = scopes ?? (before.Scopes is null
                ? throw new ArgumentException($"Key {prefix} was created before keys had scopes: say which the new key gets (ingest, read, admin).", nameof(scopes))
                : before.EffectiveScopes);
            (key, created) = NewKey(before.Project, before.Name, newScopes, expires);
            var until = now + overlap;
            after = before with { Expires = before.Expires is { } old && old < until ? old : until, RotatedTo = created.Prefix };
            list[index] = after;
            list.Add(created);
        }, cancellationToken).ConfigureAwait(false);
        await AuditAsync(actor, "key.rotated", after!, before, after, reason, cancellationToken).ConfigureAwait(false);
        await AuditAsync(actor, "key.created", created!, null, created, reason, cancellationToken).ConfigureAwait(false);
        return new CreatedApiKey(key.Value, created!);
    }

    /// <summary>Revokes the key with this prefix (or the full key); returns whether a key was revoked.</summary>
    internal Task<bool> RevokeAsync(string prefixOrKey, CancellationToken cancellationToken)
        => RevokeAsync(prefixOrKey, "system", reason: null, cancellationToken);

    /// <summary>Revokes the key with this prefix (or the full key), audited as <paramref name="actor"/>; returns whether a key was revoked.</summary>
    internal async Task<bool> RevokeAsync(string prefixOrKey, string actor, string? reason, CancellationToken cancellationToken)
    {
        var prefix = ApiKey.PrefixOf(prefixOrKey);
        var changed = new List<(ApiKeyRecord Before, ApiKeyRecord After)>();
        await UpdateAsync(list =>
        {
            changed.Clear();
            for (var i = 0; i < list.Count; i++)
            {
                if (list[i].Prefix == prefix && list[i].Revoked is null)
                {
                    var before = list[i];
                    list[i] = before with { Revoked = _time.GetUtcNow() };
                    changed.Add((before, list[i]));
                }
            }
        }, cancellationToken).ConfigureAwait(false);
        foreach (var (before, after) in changed)
        {
            await AuditAsync(actor, "key.revoked", after, before, after, reason, cancellationToken).ConfigureAwait(false);
        }

        return changed.Count > 0;
    }

    private (ApiKey Key, ApiKeyRecord Record) NewKey(string project, string? name, ApiKeyScopes scopes, DateTimeOffset? expires)
    {
        if ((scopes & ApiKeyScopes.All) == ApiKeyScopes.None || (scopes & ~ApiKeyScopes.All) != 0)
        {
            throw new ArgumentException("A key needs at least one scope: ingest, read or admin.", nameof(scopes));
        }

        var key = ApiKey.Create(RandomToken(8), RandomToken(32));
        var record = new ApiKeyRecord(key.Prefix, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key.Value))), project, name, _time.GetUtcNow(), null)
        {
            Scopes = ApiKeyScopeNames.Of(scopes),
            Expires = expires,
        };
        return (key, record);
    }

    /// <summary>An audit entry about a key: its public record only (prefix, hash never, scopes, expiry), never the secret.</summary>
    private Task AuditAsync(string actor, string kind, ApiKeyRecord key, ApiKeyRecord? before, ApiKeyRecord? after, string? reason, CancellationToken cancellationToken)
        => _audit is null
            ? Task.CompletedTask
            : _audit.AppendAsync(key.Project, actor, kind, "key:" + key.Prefix, AuditLog.ToJson(Public(before)), AuditLog.ToJson(Public(after)), reason, cancellationToken);

    private static Dictionary<string, string?>? Public(ApiKeyRecord? record) => record is null ? null : new()
    {
        ["prefix"] = record.Prefix,
        ["name"] = record.Name,
        ["scopes"] = record.Scopes is null ? "all (created before scopes)" : string.Join(',', record.Scopes),
        ["expires"] = record.Expires?.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        ["revoked"] = record.Revoked?.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        ["rotated_to"] = record.RotatedTo,
    };

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
