using System.Net;
using LensAI.Backend.Keys;
using LensAI.Hosting;
using LensAI.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace LensAI.Dashboard.Tests;

/// <summary>docs/dashboard.md's commands, run as written (against a temp store instead of ./.lensai/data).</summary>
public sealed class DashboardDocsTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "lensai-dashboard-docs-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Dashboard_local_creates_a_key_then_serves_the_dashboard_that_the_key_opens()
    {
        var lines = DocCommands.Lines("docs/dashboard.md", "dashboard-local");
        Assert.Equal(2, lines.Count);
        var create = BackendProcess.ServerArguments(lines[0]);
        var serve = BackendProcess.ServerArguments(lines[1]);
        Assert.Equal(["keys", "create", "--project"], create.Take(3));
        var project = create[3];
        Assert.Empty(serve); // "serve" is the default command

        // 1. keys create, exactly as written, into the temp store: the server forwards it to the lensai command line.
        using (var stdout = new StringWriter())
        using (var stderr = new StringWriter())
        {
            var code = await LensAI.Cli.Cli.RunAsync([.. create, "--data", Path.Combine(_directory, "store"), "--config", "LensAI:Backend:WorkDirectory=" + Path.Combine(_directory, "work")], stdout, stderr);
            Assert.True(code == 0, stderr.ToString());
            Assert.StartsWith("lsk_", stdout.ToString(), StringComparison.Ordinal);
        }

        // 2. serve (the default command; on a free port rather than the default one, over the same store): the page is
        // there, and a key of that project opens its report.
        await using var backend = await TestBackend.StartAsync(settings: new Dictionary<string, string?>
        {
            ["LensAI:Backend:Storage:LocalPath"] = Path.Combine(_directory, "store"),
            ["LensAI:Backend:WorkDirectory"] = Path.Combine(_directory, "work"),
        });
        var keys = backend.Services.GetRequiredService<ApiKeyStore>();
        var created = Assert.Single(await keys.ListAsync(project, CancellationToken.None));
        Assert.Null(created.Revoked);
        Assert.Equal(["read"], created.Scopes); // the dashboard's key reads, and can neither ingest nor change budgets
        var key = await backend.CreateKeyAsync(project, "docs test"); // the printed key is shown once; make a second one to call with

        using var http = backend.Client(null);
        using var page = await http.GetAsync("/dashboard");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode); // after the redirect to /dashboard/
        Assert.Contains("Open your project's dashboard", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        http.DefaultRequestHeaders.Authorization = new("Bearer", key);
        using var report = await http.GetAsync("/v1/report");
        Assert.Equal(HttpStatusCode.OK, report.StatusCode);
        Assert.Contains($"\"project\":\"{project}\"", await report.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The address the doc tells the reader to open is where the embedded default listens.
        Assert.Contains($"Open {LensAIBackendApp.DefaultUrl}/dashboard in a browser", await File.ReadAllTextAsync(RepositoryPaths.Combine("docs", "dashboard.md")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_screenshot_path_in_the_doc_is_where_the_browser_test_writes_it()
    {
        var doc = await File.ReadAllTextAsync(RepositoryPaths.Combine("docs", "dashboard.md"));
        var relative = Path.GetRelativePath(RepositoryPaths.Root, Path.Combine(BrowserFixture.ArtifactsDirectory, "dashboard.png")).Replace('\\', '/');
        Assert.Contains($"`{relative}`", doc, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
        catch (IOException)
        {
        }
    }
}
