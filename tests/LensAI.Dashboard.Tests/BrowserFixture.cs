using LensAI.Testing;
using Microsoft.Playwright;

namespace LensAI.Dashboard.Tests;

/// <summary>
/// One seeded backend and one headless Debian Chromium (a persistent context over a fresh temp profile) shared by the
/// browser tests. Screenshots go to <c>artifacts/test-results/</c> under the repository root (ignored by git).
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;
    private string? _profile;

    public DashboardBackend Backend { get; private set; } = null!;

    public IBrowserContext Browser { get; private set; } = null!;

    /// <summary><c>artifacts/test-results/</c> under the repository root: the screenshots docs/dashboard.md points at.</summary>
    public static string ArtifactsDirectory { get; } = Directory.CreateDirectory(RepositoryPaths.Combine("artifacts", "test-results")).FullName;

    public async Task InitializeAsync()
    {
        var chromium = DebianChromium.EnsureInstalledAsync(); // (a one-time apt-get when missing) while the backend starts
        Backend = await DashboardBackend.StartAsync();
        await Backend.SeedAsync();

        var executable = await chromium;
        _playwright = await Playwright.CreateAsync();
        _profile = Path.Combine(Path.GetTempPath(), "lensai-chromium-" + Guid.NewGuid().ToString("N"));
        Browser = await _playwright.Chromium.LaunchPersistentContextAsync(_profile, new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = executable,
            Headless = true,
            Args = DebianChromium.Arguments,
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
            DeviceScaleFactor = 1,
            Locale = "en-US",
            TimezoneId = "UTC",
            ReducedMotion = ReducedMotion.Reduce, // the page then draws without animation
            ServiceWorkers = ServiceWorkerPolicy.Block,
        });
        Browser.SetDefaultTimeout(20_000);
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
        if (Backend is not null)
        {
            await Backend.DisposeAsync();
        }

        if (_profile is not null)
        {
            try
            {
                Directory.Delete(_profile, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
