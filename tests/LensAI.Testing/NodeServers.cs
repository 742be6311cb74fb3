using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace LensAI.Testing;

/// <summary>
/// The npm-packaged test servers (Azurite for Azure Blob, s3rver for S3), installed once into
/// <c>$(repo)/.tools/node</c> (gitignored) and reused by later runs. Concurrent test processes are serialized by
/// a lock file, and an install that is already there is never repeated.
/// </summary>
public static class NodeTools
{
    public const string AzuriteVersion = "3.37.0";
    public const string S3rverVersion = "3.7.1";

    private static readonly SemaphoreSlim InProcessGate = new(1, 1);
    private static bool _installed;

    public static string RepoRoot => RepositoryPaths.Root;

    public static string ToolsDirectory => Path.Combine(RepoRoot, ".tools", "node");

    public static string ModulesDirectory => Path.Combine(ToolsDirectory, "node_modules");

    public static async Task EnsureInstalledAsync()
    {
        await InProcessGate.WaitAsync();
        try
        {
            if (_installed || IsInstalled())
            {
                _installed = true;
                return;
            }

            Directory.CreateDirectory(ToolsDirectory);
            using var fileLock = await AcquireFileLockAsync(Path.Combine(ToolsDirectory, ".install.lock"), TimeSpan.FromMinutes(10));
            if (!IsInstalled())
            {
                await RunNpmInstallAsync();
            }

            if (!IsInstalled())
            {
                throw new InvalidOperationException($"npm install finished but azurite@{AzuriteVersion} / s3rver@{S3rverVersion} are not in {ModulesDirectory}.");
            }

            _installed = true;
        }
        finally
        {
            InProcessGate.Release();
        }
    }

    private static bool IsInstalled() =>
        InstalledVersion("azurite") == AzuriteVersion && InstalledVersion("s3rver") == S3rverVersion;

    private static string? InstalledVersion(string package)
    {
        var manifest = Path.Combine(ModulesDirectory, package, "package.json");
        if (!File.Exists(manifest))
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(manifest));
            return doc.RootElement.TryGetProperty("version", out var v) ? v.GetString() : null;
        }
        catch (Exception ex) when (ex is JsonException or IOException)
        {
            return null;
        }
    }

    private static async Task RunNpmInstallAsync()
    {
        var psi = new ProcessStartInfo("npm")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = ToolsDirectory,
        };
        foreach (var arg in new[]
                 {
                     "install", "--prefix", ToolsDirectory, "--no-audit", "--no-fund", "--no-save", "--loglevel=error",
                     $"azurite@{AzuriteVersion}", $"s3rver@{S3rverVersion}",
                 })
        {
            psi.ArgumentList.Add(arg);
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException("Could not start npm (is Node.js installed?).");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("npm install of the test servers took more than 10 minutes.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"npm install failed ({process.ExitCode}): {await stderr}\n{await stdout}");
        }
    }

    internal static async Task<IDisposable> AcquireFileLockAsync(string path, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }
    }
}

/// <summary>A Node.js server process on 127.0.0.1, a random free port and a temp data folder; killed (whole tree) on dispose.</summary>
public sealed class NodeServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output;

    private NodeServer(Process process, StringBuilder output, int port, string dataDirectory)
    {
        _process = process;
        _output = output;
        Port = port;
        DataDirectory = dataDirectory;
    }

    public int Port { get; }

    public string DataDirectory { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts <c>node</c> with the arguments <paramref name="arguments"/> makes for a port and data folder; waits until the port accepts connections.</summary>
    public static async Task<NodeServer> StartAsync(string name, Func<int, string, IEnumerable<string>> arguments, TimeSpan startTimeout)
    {
        Exception? last = null;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var port = FreePort();
            var dataDirectory = Path.Combine(Path.GetTempPath(), $"lensai-{name}-{Guid.NewGuid():N}");
            Directory.CreateDirectory(dataDirectory);
            var psi = new ProcessStartInfo("node")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = dataDirectory,
            };
            foreach (var arg in arguments(port, dataDirectory))
            {
                psi.ArgumentList.Add(arg);
            }

            var output = new StringBuilder();
            var process = new Process { StartInfo = psi };
            process.OutputDataReceived += (_, e) => Append(output, e.Data);
            process.ErrorDataReceived += (_, e) => Append(output, e.Data);
            if (!process.Start())
            {
                throw new InvalidOperationException($"Could not start node for {name}.");
            }

            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var server = new NodeServer(process, output, port, dataDirectory);
            try
            {
                await server.WaitUntilListeningAsync(name, startTimeout);
                return server;
            }
            catch (Exception ex)
            {
                last = ex;
                await server.DisposeAsync();
                if (ex is TimeoutException)
                {
                    throw;
                }

                // The process died (most likely someone took the port between our probe and its bind): try another port.
            }
        }

        throw new InvalidOperationException($"{name} did not start.", last);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _process.WaitForExitAsync(wait.Token);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException or System.ComponentModel.Win32Exception)
        {
        }
        finally
        {
            _process.Dispose();
        }

        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    private async Task WaitUntilListeningAsync(string name, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{name} exited with code {_process.ExitCode} before listening on {Port}: {Output}");
            }

            using var client = new TcpClient();
            using var attempt = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
            try
            {
                await client.ConnectAsync(IPAddress.Loopback, Port, attempt.Token);
                return;
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{name} was not listening on 127.0.0.1:{Port} within {timeout.TotalSeconds} s. Output: {Output}");
            }

            await Task.Delay(25);
        }
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            if (output.Length < 64 * 1024)
            {
                output.AppendLine(line);
            }
        }
    }

    public static int FreePort() => LoopbackPort.Free();
}

/// <summary>
/// s3rver on 127.0.0.1 (a random free port, a temp folder), with its CLI's options (address, port, directory, one
/// configured bucket, silent) through a small launcher that corrects three ways s3rver 3.7.1 departs from S3, so
/// the adapter is tested against S3's documented behaviour:
/// <list type="bullet">
/// <item>listing order: s3rver walks folders in readdir order; S3 lists in key (binary) order, and paging by
/// continuation token depends on it. The launcher makes the walk sorted by key.</item>
/// <item>continuation tokens: s3rver encrypts them with DES, which Node 17+ (OpenSSL 3) only has with
/// <c>--openssl-legacy-provider</c>.</item>
/// <item>conditional writes: s3rver ignores <c>If-None-Match: *</c> / <c>If-Match</c> on PutObject. The launcher
/// evaluates them (412 PreconditionFailed, 404 NoSuchKey for If-Match on a missing key), serializing conditional
/// PUTs per key as S3 does. Unconditional requests go to s3rver untouched.</item>
/// </list>
/// </summary>
public static class S3rver
{
    public const string Bucket = "lensai-test";
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";

    private const string Launcher = """
        'use strict';
        // LensAI test launcher: s3rver with the CLI's options, made to list in key order and to honour S3's
        // conditional PutObject headers. Run with --openssl-legacy-provider (continuation tokens use DES).
        const path = require('path');
        const [modulesDir, address, port, directory, bucket] = process.argv.slice(2);
        // 1. Sorted walk (S3 lists in key order). Patched before s3rver loads, since its store captures utils.walk.
        const fs = require('fs');
        const utils = require(path.join(modulesDir, 's3rver', 'lib', 'utils'));
        const SUFFIX = '._S3rver_';
        function sortKey(name, isDir) {
          if (isDir) return name + '/';
          const i = name.indexOf(SUFFIX);
          return i >= 0 ? name.slice(0, i) : name;
        }
        utils.walk = function* walk(dir, recurseFilter) {
          const entries = fs.readdirSync(dir).map(name => {
            const p = path.posix.join(dir, name);
            const isDir = fs.statSync(p).isDirectory();
            return { p, isDir, key: sortKey(name, isDir), name };
          });
          entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
          for (const e of entries) {
            if (!e.isDir) yield e.p;
            else if (!recurseFilter || recurseFilter(e.p)) yield* walk(e.p, recurseFilter);
          }
        };
        const S3rver = require(path.join(modulesDir, 's3rver'));
        const S3Error = require(path.join(modulesDir, 's3rver', 'lib', 'models', 'error'));
        const server = new S3rver({ address, port: Number(port), directory, silent: true, configureBuckets: [{ name: bucket, configs: [] }] });
        const tails = new Map();
        function serialize(lockKey, fn) {
          const previous = tails.get(lockKey) || Promise.resolve();
          const run = previous.then(fn);
          const tail = run.catch(() => {});
          tails.set(lockKey, tail);
          tail.then(() => { if (tails.get(lockKey) === tail) tails.delete(lockKey); });
          return run;
        }
        // 2. Conditional PutObject (If-None-Match: *, If-Match), serialized per key.
        async function conditionalPut(ctx, next) {
          const ifNoneMatch = ctx.get('if-none-match');
          const ifMatch = ctx.get('if-match');
          if (ctx.method !== 'PUT' || ctx.querystring !== '' || (!ifNoneMatch && !ifMatch) || ctx.get('x-amz-copy-source')) {
            return next();
          }
          const m = /^\/([^/]+)\/(.+)$/.exec(ctx.path);
          if (!m) return next();
          const b = m[1];
          const key = decodeURIComponent(m[2]);
          return serialize(b + '/' + key, async () => {
            let etag = null;
            try {
              etag = (await ctx.store.getMetadata(b, key)).etag;
            } catch (err) {
              if (err.code !== 'ENOENT') throw err;
            }
            if (ifNoneMatch === '*' && etag !== null) {
              throw new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: 'If-None-Match' });
            }
            if (ifMatch) {
              if (etag === null) throw new S3Error('NoSuchKey', 'The specified key does not exist.', { Key: key });
              if (ifMatch !== etag) {
                throw new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: 'If-Match' });
              }
            }
            await next();
          });
        }
        server.middleware.splice(server.middleware.length - 1, 0, conditionalPut);
        server.run().then(a => console.log(`s3rver listening on ${a.address}:${a.port}`)).catch(err => { console.error(err); process.exit(1); });
        """;

    /// <summary>Installs the npm packages if needed and starts s3rver with the <see cref="Bucket"/> bucket.</summary>
    public static async Task<NodeServer> StartAsync()
    {
        await NodeTools.EnsureInstalledAsync().ConfigureAwait(false);
        var launcher = Path.Combine(NodeTools.ToolsDirectory, "lensai-s3rver.js");
        if (!File.Exists(launcher) || await File.ReadAllTextAsync(launcher).ConfigureAwait(false) != Launcher)
        {
            var temp = launcher + "." + Guid.NewGuid().ToString("N");
            await File.WriteAllTextAsync(temp, Launcher).ConfigureAwait(false);
            File.Move(temp, launcher, overwrite: true);
        }

        return await NodeServer.StartAsync("s3rver", (port, dir) =>
        [
            "--openssl-legacy-provider", launcher, NodeTools.ModulesDirectory, "127.0.0.1", port.ToString(CultureInfo.InvariantCulture), dir, Bucket,
        ], TimeSpan.FromSeconds(60)).ConfigureAwait(false);
    }

    /// <summary>The <c>LensAI:Backend:Storage:…</c> settings of a backend on <paramref name="server"/>'s bucket (s3rver's public development credentials).</summary>
    public static Dictionary<string, string> BackendSettings(NodeServer server)
    {
        ArgumentNullException.ThrowIfNull(server);
        return new()
        {
            ["LensAI:Backend:Storage:Kind"] = "S3",
            ["LensAI:Backend:Storage:S3:ServiceUrl"] = $"http://127.0.0.1:{server.Port.ToString(CultureInfo.InvariantCulture)}",
            ["LensAI:Backend:Storage:S3:Bucket"] = Bucket,
            ["LensAI:Backend:Storage:S3:AccessKey"] = AccessKey,
            ["LensAI:Backend:Storage:S3:SecretKey"] = SecretKey,
            ["LensAI:Backend:Storage:S3:ForcePathStyle"] = "true",
        };
    }
}
