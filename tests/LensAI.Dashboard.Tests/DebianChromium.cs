using System.Diagnostics;

namespace LensAI.Dashboard.Tests;

/// <summary>
/// Debian's <c>chromium</c> package: the only browser these tests use (Playwright never downloads one). When
/// <c>/usr/bin/chromium</c> is missing and the tests run as root, it is installed with apt-get from Debian's archive;
/// otherwise the test fails saying how to install it. <c>LENSAI_CHROMIUM</c> points at another Chromium binary.
/// </summary>
internal static class DebianChromium
{
    public const string DefaultPath = "/usr/bin/chromium";

    /// <summary>What the tests launch it with: headless, no sandbox (containers run as root), no GPU, no background traffic.</summary>
    public static readonly string[] Arguments =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-dev-shm-usage", "--disable-default-apps", "--disable-extensions", "--mute-audio",
    ];

    private static readonly SemaphoreSlim s_install = new(1, 1);

    public static async Task<string> EnsureInstalledAsync()
    {
        var path = Environment.GetEnvironmentVariable("LENSAI_CHROMIUM") is { Length: > 0 } custom ? custom : DefaultPath;
        if (File.Exists(path))
        {
            return path;
        }

        if (path != DefaultPath)
        {
            throw new InvalidOperationException($"LENSAI_CHROMIUM names '{path}', which does not exist.");
        }

        await s_install.WaitAsync();
        try
        {
            if (File.Exists(path))
            {
                return path;
            }

            if (!OperatingSystem.IsLinux() || !File.Exists("/usr/bin/apt-get") || Environment.UserName != "root")
            {
                throw new InvalidOperationException(
                    $"The dashboard tests drive Debian's Chromium at {DefaultPath}, which is missing. Install it with 'sudo apt-get update && sudo apt-get install -y chromium' " +
                    "(or set LENSAI_CHROMIUM to a Chromium binary). They never download a browser.");
            }

            // -o DPkg::Lock::Timeout waits for another apt (e.g. a parallel test run) instead of failing on the lock.
            await AptAsync("update", "-o", "DPkg::Lock::Timeout=600");
            await AptAsync("install", "-y", "--no-install-recommends", "-o", "DPkg::Lock::Timeout=600", "chromium");
            if (!File.Exists(path))
            {
                throw new InvalidOperationException($"apt-get install chromium finished but {path} does not exist.");
            }

            return path;
        }
        finally
        {
            s_install.Release();
        }
    }

    private static async Task AptAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("apt-get", arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        using var apt = Process.Start(start)!;
        var stdout = apt.StandardOutput.ReadToEndAsync();
        var stderr = apt.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        try
        {
            await apt.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            apt.Kill(entireProcessTree: true);
            throw new TimeoutException($"apt-get {string.Join(' ', arguments)} did not finish in 10 minutes.");
        }

        if (apt.ExitCode != 0)
        {
            var output = (await stdout) + (await stderr);
            throw new InvalidOperationException($"apt-get {string.Join(' ', arguments)} exited with {apt.ExitCode}: {output[Math.Max(0, output.Length - 2000)..]}");
        }
    }
}
