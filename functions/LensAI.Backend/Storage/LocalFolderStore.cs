using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LensAI.Backend.Storage;

/// <summary>
/// Objects as files under a root folder (the embedded default). Keys map to relative paths ('/' becomes the OS
/// separator); keys that would escape the root are refused. Every write goes to a temp file in the target's own
/// folder, is flushed to disk, then renamed over the target, so readers see the old file or the new one, never a
/// part. Writes of a key are serialized across threads and processes by a short OS-level file lock (one of 64 lock
/// files under <c>.lensai-locks/</c>, chosen by a stable hash of the key), which makes conditional writes correct
/// when two processes race. ETags are a SHA-256 of the content. Names starting with <c>.lensai</c> are the store's
/// own (temp and lock files): listing never shows them and keys may not use them.
/// </summary>
internal sealed class LocalFolderStore : IObjectStore
{
    private const string ReservedPrefix = ".lensai";
    private const int LockStripes = 64;

    private readonly string _root;
    private readonly string _lockDirectory;
    private readonly SemaphoreSlim[] _stripes;
    private readonly ILogger _logger;
    private readonly TimeSpan _lockTimeout;

    /// <summary>A store rooted at <paramref name="root"/> (created when missing).</summary>
    public LocalFolderStore(string root, ILogger? logger = null)
        : this(root, TimeSpan.FromSeconds(30), logger)
    {
    }

    /// <summary>A store whose write locks give up (with <see cref="ObjectStoreException"/>) after <paramref name="lockTimeout"/>.</summary>
    public LocalFolderStore(string root, TimeSpan lockTimeout, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        _root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root)) + Path.DirectorySeparatorChar;
        _lockDirectory = Path.Combine(_root, ReservedPrefix + "-locks");
        Directory.CreateDirectory(_lockDirectory);
        _stripes = new SemaphoreSlim[LockStripes];
        for (var i = 0; i < _stripes.Length; i++)
        {
            _stripes[i] = new SemaphoreSlim(1, 1);
        }

        _lockTimeout = lockTimeout;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <inheritdoc />
    public string Kind => "local";

    /// <summary>The root folder (full path, ending with a separator).</summary>
    public string Root => _root;

    /// <inheritdoc />
    public async Task PutAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var target = PathOf(key);
        await ReplaceAsync(key, target, (stream, ct) => stream.WriteAsync(content, ct).AsTask(), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task PutFileAsync(string key, string localPath, CancellationToken cancellationToken)
    {
        var target = PathOf(key);
        ArgumentException.ThrowIfNullOrEmpty(localPath);
        await ReplaceAsync(key, target, async (stream, ct) =>
        {
            var source = new FileStream(localPath, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous | FileOptions.SequentialScan);
            await using (source.ConfigureAwait(false))
            {
                await source.CopyToAsync(stream, ct).ConfigureAwait(false);
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<string?> PutConditionalAsync(string key, ReadOnlyMemory<byte> content, string? ifMatchETag, CancellationToken cancellationToken)
    {
        var target = PathOf(key);
        var temp = await WriteTempAsync(key, target, (stream, ct) => stream.WriteAsync(content, ct).AsTask(), cancellationToken).ConfigureAwait(false);
        try
        {
            using (await LockAsync(key, cancellationToken).ConfigureAwait(false))
            {
                if (ifMatchETag is null)
                {
                    if (File.Exists(target) || Directory.Exists(target))
                    {
                        return null;
                    }

                    try
                    {
                        // No overwrite: even a writer that bypassed the lock could not be clobbered.
                        File.Move(temp, target, overwrite: false);
                    }
                    catch (IOException) when (File.Exists(target))
                    {
                        return null;
                    }
                }
                else
                {
                    var current = await TryReadAsync(target, cancellationToken).ConfigureAwait(false);
                    if (current is null || !string.Equals(ETagOf(current), ifMatchETag, StringComparison.Ordinal))
                    {
                        return null;
                    }

                    File.Move(temp, target, overwrite: true);
                }
            }

            return ETagOf(content.Span);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw WriteFailure(key, ex);
        }
        finally
        {
            TryDelete(temp);
        }
    }

    /// <inheritdoc />
    public async Task<StoredObject?> GetAsync(string key, CancellationToken cancellationToken)
    {
        var target = PathOf(key);
        try
        {
            var content = await TryReadAsync(target, cancellationToken).ConfigureAwait(false);
            return content is null ? null : new StoredObject(content, ETagOf(content));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ObjectStoreException($"Local store read '{key}' failed: {ex.Message}", null, null, ex);
        }
    }

    /// <inheritdoc />
    public async Task<bool> DownloadToFileAsync(string key, string localPath, CancellationToken cancellationToken)
    {
        var source = PathOf(key);
        ArgumentException.ThrowIfNullOrEmpty(localPath);
        var destination = Path.GetFullPath(localPath);
        var temp = destination + "." + Guid.NewGuid().ToString("N") + ".part";
        try
        {
            FileStream input;
            try
            {
                input = OpenForRead(source);
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
            {
                return false;
            }

            await using (input.ConfigureAwait(false))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                var output = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous);
                await using (output.ConfigureAwait(false))
                {
                    await input.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
                }
            }

            File.Move(temp, destination, overwrite: true);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ObjectStoreException($"Local store download '{key}' failed: {ex.Message}", null, null, ex);
        }
        finally
        {
            TryDelete(temp);
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ObjectKeys.ValidatePrefix(prefix);
        await Task.Yield();
        var slash = prefix.LastIndexOf('/');
        var startKey = slash < 0 ? "" : prefix[..slash];
        var startDirectory = startKey.Length == 0 ? _root : Path.Combine(_root, startKey.Replace('/', Path.DirectorySeparatorChar));
        foreach (var item in Walk(startDirectory, startKey, prefix))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return item;
        }
    }

    /// <inheritdoc />
    public async Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        var target = PathOf(key);
        try
        {
            using (await LockAsync(key, cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    File.Delete(target);
                }
                catch (DirectoryNotFoundException)
                {
                    return;
                }
            }

            PruneEmptyFolders(Path.GetDirectoryName(target)!);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ObjectStoreException($"Local store delete '{key}' failed: {ex.Message}", null, null, ex);
        }
    }

    /// <summary>The ETag of some content: a quoted hex SHA-256 prefix (128 bits).</summary>
    internal static string ETagOf(ReadOnlySpan<byte> content)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(content, hash);
        return "\"" + Convert.ToHexStringLower(hash[..16]) + "\"";
    }

    /// <summary>
    /// The full path of <paramref name="key"/>'s file (for readers such as DuckDB that open files directly). Validates
    /// the key like every other method; the file may not exist.
    /// </summary>
    public string PathOf(string key)
    {
        ObjectKeys.Validate(key);
        foreach (var segment in key.Split('/'))
        {
            if (segment.StartsWith(ReservedPrefix, StringComparison.OrdinalIgnoreCase))
            {
                throw new ArgumentException($"Invalid object key '{key}': names starting with '{ReservedPrefix}' are reserved for the local store's own files.", nameof(key));
            }
        }

        var full = Path.GetFullPath(Path.Combine(_root, key.Replace('/', Path.DirectorySeparatorChar)));
        if (!full.StartsWith(_root, OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal) || full.Length == _root.Length)
        {
            throw new ArgumentException($"Invalid object key '{key}': it escapes the store's root folder.", nameof(key));
        }

        return full;
    }

    private async Task ReplaceAsync(string key, string target, Func<FileStream, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        var temp = await WriteTempAsync(key, target, write, cancellationToken).ConfigureAwait(false);
        try
        {
            using (await LockAsync(key, cancellationToken).ConfigureAwait(false))
            {
                File.Move(temp, target, overwrite: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw WriteFailure(key, ex);
        }
        finally
        {
            TryDelete(temp);
        }
    }

    private async Task<string> WriteTempAsync(string key, string target, Func<FileStream, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(target)!;
        for (var attempt = 0; ; attempt++)
        {
            var temp = Path.Combine(directory, $"{ReservedPrefix}-{Guid.NewGuid():N}.tmp");
            try
            {
                Directory.CreateDirectory(directory);
                var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous);
                await using (stream.ConfigureAwait(false))
                {
                    await write(stream, cancellationToken).ConfigureAwait(false);
                    await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                    stream.Flush(flushToDisk: true);
                }

                return temp;
            }
            catch (DirectoryNotFoundException) when (attempt < 3)
            {
                // A concurrent delete pruned the (then empty) folder between CreateDirectory and the create: again.
            }
            catch (Exception ex)
            {
                TryDelete(temp);
                if (ex is IOException or UnauthorizedAccessException)
                {
                    throw WriteFailure(key, ex);
                }

                throw;
            }
        }
    }

    private static ObjectStoreException WriteFailure(string key, Exception ex) =>
        new($"Local store write '{key}' failed: {ex.Message}", null, null, ex);

    private static async Task<byte[]?> TryReadAsync(string path, CancellationToken cancellationToken)
    {
        FileStream stream;
        try
        {
            stream = OpenForRead(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (UnauthorizedAccessException) when (Directory.Exists(path))
        {
            return null; // a folder of other keys, not an object
        }

        await using (stream.ConfigureAwait(false))
        {
            var length = stream.Length;
            if (length > Array.MaxLength)
            {
                throw new IOException($"'{path}' is too large to read into memory ({length} bytes); use DownloadToFileAsync.");
            }

            var buffer = new byte[length];
            await stream.ReadExactlyAsync(buffer, cancellationToken).ConfigureAwait(false);
            return buffer;
        }
    }

    private static FileStream OpenForRead(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 81920, FileOptions.Asynchronous | FileOptions.SequentialScan);

    private static IEnumerable<ObjectInfo> Walk(string directory, string keyOfDirectory, string prefix)
    {
        string[] entries;
        try
        {
            entries = Directory.GetFileSystemEntries(directory);
        }
        catch (DirectoryNotFoundException)
        {
            yield break;
        }

        // Sorting siblings by name, with '/' appended to folders, gives global key order (what S3 and Azure list in).
        var children = new List<(string SortName, string Name, bool IsDirectory, string FullPath)>(entries.Length);
        foreach (var entry in entries)
        {
            var name = Path.GetFileName(entry);
            if (name.StartsWith(ReservedPrefix, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var isDirectory = Directory.Exists(entry);
            children.Add((isDirectory ? name + "/" : name, name, isDirectory, entry));
        }

        children.Sort(static (a, b) => string.CompareOrdinal(a.SortName, b.SortName));
        foreach (var child in children)
        {
            var key = keyOfDirectory.Length == 0 ? child.Name : keyOfDirectory + "/" + child.Name;
            if (child.IsDirectory)
            {
                var asFolder = key + "/";
                if (asFolder.StartsWith(prefix, StringComparison.Ordinal) || prefix.StartsWith(asFolder, StringComparison.Ordinal))
                {
                    foreach (var item in Walk(child.FullPath, key, prefix))
                    {
                        yield return item;
                    }
                }
            }
            else if (key.StartsWith(prefix, StringComparison.Ordinal))
            {
                var info = new FileInfo(child.FullPath);
                if (info.Exists)
                {
                    yield return new ObjectInfo(key, info.Length, new DateTimeOffset(info.LastWriteTimeUtc, TimeSpan.Zero));
                }
            }
        }
    }

    private void PruneEmptyFolders(string directory)
    {
        var root = Path.TrimEndingDirectorySeparator(_root);
        while (directory.Length > root.Length && directory.StartsWith(_root, StringComparison.Ordinal))
        {
            try
            {
                if (Directory.EnumerateFileSystemEntries(directory).Any())
                {
                    return;
                }

                Directory.Delete(directory, recursive: false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return; // not empty any more, or gone: either way nothing to prune
            }

            directory = Path.GetDirectoryName(directory)!;
        }
    }

    private async Task<Releaser> LockAsync(string key, CancellationToken cancellationToken)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(key), hash);
        var stripe = (int)(BitConverter.ToUInt32(hash) % LockStripes);
        var gate = _stripes[stripe];
        if (!await gate.WaitAsync(_lockTimeout, cancellationToken).ConfigureAwait(false))
        {
            throw new ObjectStoreException($"Local store: could not lock '{key}' within {_lockTimeout.TotalSeconds:0.#} s (another writer of this process holds it).", null, "LockTimeout");
        }

        var lockPath = Path.Combine(_lockDirectory, $"stripe-{stripe:D2}.lock");
        var deadline = DateTime.UtcNow + _lockTimeout;
        var delay = 1;
        while (true)
        {
            try
            {
                // FileShare.None is an exclusive OS lock (flock on Unix, a share mode on Windows): other processes wait.
                var handle = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
                return new Releaser(gate, handle);
            }
            catch (DirectoryNotFoundException)
            {
                Directory.CreateDirectory(_lockDirectory);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                try
                {
                    await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    gate.Release();
                    throw;
                }

                delay = Math.Min(delay * 2, 20);
            }
            catch (Exception ex)
            {
                gate.Release();
                if (ex is IOException)
                {
                    throw new ObjectStoreException($"Local store: could not lock '{key}' within {_lockTimeout.TotalSeconds:0.#} s (another process holds it).", null, "LockTimeout", ex);
                }

                throw;
            }
        }
    }

    private void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            StorageLog.CleanupFailed(_logger, path, ex.Message);
        }
    }

    private sealed class Releaser(SemaphoreSlim gate, FileStream handle) : IDisposable
    {
        public void Dispose()
        {
            handle.Dispose();
            gate.Release();
        }
    }
}
