using System.Globalization;
using LensAI.Diagnostics;
using Microsoft.Extensions.Logging;

namespace LensAI.Shipping;

/// <summary>
/// Batches that could not be shipped, on disk: one gzip file per batch, written as <c>.tmp</c> then renamed, leased
/// by moving it to <c>processing/</c> before it is sent, deleted once delivered. A new process recovers what an
/// earlier one left in <c>processing/</c>. Bounded by bytes and age; what gives way is counted.
/// </summary>
/// <remarks>File names sort by time: <c>{utc ticks:D19}-{sequence:D6}-{events}.json.gz</c>.</remarks>
internal sealed class DiskSpool
{
    private const string Extension = ".json.gz";
    private static int s_sequence;

    private readonly string _ready;
    private readonly string _processing;
    private readonly long _maxBytes;
    private readonly TimeSpan _maxAge;
    private readonly OverflowPolicy _policy;
    private readonly TimeProvider _time;
    private readonly LensAIMetrics _metrics;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private long _bytes;

    public DiskSpool(string directory, long maxBytes, TimeSpan maxAge, OverflowPolicy policy, TimeProvider time, LensAIMetrics metrics, ILogger logger)
    {
        Directory = directory;
        _ready = directory;
        _processing = Path.Combine(directory, "processing");
        _maxBytes = maxBytes;
        _maxAge = maxAge;
        _policy = policy;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        System.IO.Directory.CreateDirectory(_ready);
        System.IO.Directory.CreateDirectory(_processing);
        Recover();
    }

    public string Directory { get; }

    /// <summary>The default folder: <c>{LocalApplicationData}/LensAI/spool/{hash of endpoint and key}</c>.</summary>
    internal static string DefaultDirectory(LensAIOptions options)
    {
        var root = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create);
        if (string.IsNullOrEmpty(root))
        {
            root = Path.GetTempPath();
        }

        var identity = $"{options.Endpoint}|{options.ApiKey}";
        var hash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(identity)))[..16].ToLowerInvariant();
        return Path.Combine(root, "LensAI", "spool", hash);
    }

    public long Bytes => Interlocked.Read(ref _bytes);

    public bool IsEmpty => Bytes == 0 && !EnumerateReady().Any();

    /// <summary>Writes a batch. Returns <see langword="false"/> when it could not be kept (spool full under drop-newest, or disk error).</summary>
    public bool TryWrite(ReadOnlySpan<byte> payload, int eventCount)
    {
        try
        {
            lock (_gate)
            {
                if (!MakeRoom(payload.Length))
                {
                    _metrics.Drop(eventCount, "spool_full");
                    return false;
                }

                var name = string.Create(CultureInfo.InvariantCulture,
                    $"{_time.GetUtcNow().UtcTicks:D19}-{Interlocked.Increment(ref s_sequence) % 1_000_000:D6}-{Environment.ProcessId}-{eventCount}{Extension}");
                var final = Path.Combine(_ready, name);
                var temp = final + ".tmp";
                using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.None))
                {
                    file.Write(payload);
                }

                File.Move(temp, final);
                Interlocked.Add(ref _bytes, payload.Length);
            }

            _metrics.Spooled.Add(eventCount);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.SpoolFailed(_logger, Directory, ex);
            _metrics.Drop(eventCount, "spool_error");
            return false;
        }
    }

    /// <summary>Leases the oldest batch: moves it to <c>processing/</c> so no other sender takes it.</summary>
    public SpoolLease? TryLeaseOldest()
    {
        ExpireOld();
        foreach (var path in EnumerateReady().Order(StringComparer.Ordinal))
        {
            var leased = Path.Combine(_processing, Path.GetFileName(path));
            try
            {
                File.Move(path, leased);
                var bytes = File.ReadAllBytes(leased);
                return new SpoolLease(this, leased, bytes, EventCount(leased));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Another process leased it first, or it vanished: try the next one.
            }
        }

        return null;
    }

    internal void Complete(SpoolLease lease)
    {
        TryDelete(lease.Path, lease.Payload.Length);
    }

    internal void Release(SpoolLease lease)
    {
        try
        {
            File.Move(lease.Path, Path.Combine(_ready, Path.GetFileName(lease.Path)));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.SpoolFailed(_logger, Directory, ex);
        }
    }

    /// <summary>Moves files an earlier (crashed) process left in <c>processing/</c> back, and counts the spool.</summary>
    private void Recover()
    {
        try
        {
            foreach (var path in System.IO.Directory.EnumerateFiles(_processing, "*" + Extension))
            {
                var target = Path.Combine(_ready, Path.GetFileName(path));
                if (!File.Exists(target))
                {
                    File.Move(path, target);
                }
            }

            foreach (var temp in System.IO.Directory.EnumerateFiles(_ready, "*.tmp"))
            {
                File.Delete(temp); // a write that never finished: its batch was never acknowledged as spooled
            }

            _bytes = EnumerateReady().Sum(p => new FileInfo(p).Length);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.SpoolFailed(_logger, Directory, ex);
        }
    }

    private bool MakeRoom(long incoming)
    {
        if (incoming > _maxBytes)
        {
            return false;
        }

        if (_bytes + incoming <= _maxBytes)
        {
            return true;
        }

        if (_policy == OverflowPolicy.DropNewest)
        {
            return false;
        }

        foreach (var oldest in EnumerateReady().Order(StringComparer.Ordinal).ToList())
        {
            if (_bytes + incoming <= _maxBytes)
            {
                break;
            }

            var length = new FileInfo(oldest).Length;
            if (TryDelete(oldest, length))
            {
                _metrics.Drop(EventCount(oldest), "spool_full");
            }
        }

        return _bytes + incoming <= _maxBytes;
    }

    private void ExpireOld()
    {
        var cutoff = (_time.GetUtcNow() - _maxAge).UtcTicks;
        foreach (var path in EnumerateReady())
        {
            var name = Path.GetFileName(path);
            if (name.Length > 19 && long.TryParse(name.AsSpan(0, 19), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) && ticks < cutoff)
            {
                var length = new FileInfo(path).Length;
                if (TryDelete(path, length))
                {
                    _metrics.Drop(EventCount(path), "expired");
                }
            }
        }
    }

    private bool TryDelete(string path, long length)
    {
        try
        {
            File.Delete(path);
            Interlocked.Add(ref _bytes, -length);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private IEnumerable<string> EnumerateReady()
    {
        try
        {
            return System.IO.Directory.EnumerateFiles(_ready, "*" + Extension);
        }
        catch (DirectoryNotFoundException)
        {
            System.IO.Directory.CreateDirectory(_ready);
            return [];
        }
    }

    private static int EventCount(string path)
    {
        var name = Path.GetFileName(path.AsSpan());
        name = name[..^Extension.Length];
        var dash = name.LastIndexOf('-');
        return dash >= 0 && int.TryParse(name[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var count) ? count : 0;
    }
}
