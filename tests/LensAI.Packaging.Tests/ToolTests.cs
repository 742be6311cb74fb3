using System.Text.RegularExpressions;
using LensAI.Testing;

namespace LensAI.Packaging.Tests;

/// <summary>
/// The lensai tool as a user gets it: installed from the packed folder into a tool path, then used end to end —
/// a key, the tool's own server taking events over HTTP, and a report over the Parquet it wrote (DuckDB included).
/// </summary>
[Collection(PackagesGroup.Name)]
public sealed partial class ToolTests(PackedPackages packages)
{
    [Fact]
    public async Task The_installed_tool_makes_a_key_serves_events_and_reports_their_cost()
    {
        using var home = new TempFolder("lensai-tool");
        ConsumerTests.WriteNuGetConfig(home, packages.Feed);
        var environment = ConsumerTests.ConsumerEnvironment(home);
        var tools = home.Combine("tools");
        var install = await ProcessRunner.RunAsync(
            "dotnet",
            ["tool", "install", PackedPackages.ToolPackage, "--version", packages.Version, "--tool-path", tools, "--configfile", home.Combine("nuget.config")],
            home.Path,
            TimeSpan.FromMinutes(3),
            environment);
        Assert.True(install.ExitCode == 0, install.Describe());
        var lensai = Path.Combine(tools, "lensai");
        Assert.True(File.Exists(lensai), $"dotnet tool install did not create {lensai}: {install.Describe()}");

        // The install picked this machine's runtime package (linux-x64 here): one DuckDB library, that runtime's.
        var (rid, library) = PackedPackages.ToolRuntimes.Single(r => r.Rid == System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier);
        var libraries = Directory.GetFiles(tools, "*duckdb*", SearchOption.AllDirectories).Where(f => Path.GetFileName(f) is "libduckdb.so" or "libduckdb.dylib" or "duckdb.dll").ToList();
        Assert.Equal($"lensai.cli.{rid}/{packages.Version}/tools/net10.0/{rid}/{library}", Path.GetRelativePath(Path.Combine(tools, ".store", "lensai.cli", packages.Version), Assert.Single(libraries)).Replace('\\', '/'));

        var work = home.Combine("work");
        Directory.CreateDirectory(work);
        var help = await Lensai(lensai, work, "--help");
        Assert.Contains("report", help.StandardOutput, StringComparison.Ordinal);

        var key = (await Lensai(lensai, work, "keys", "create", "--project", "acme", "--name", "tool-test")).StandardOutput.Trim();
        Assert.Matches("^lsk_[a-z0-9]{8}_[A-Za-z0-9]{32}$", key);

        var port = LensAI.Testing.LoopbackPort.Free();
        await using (var server = ProcessRunner.Start(lensai, ["serve", "--urls", $"http://127.0.0.1:{port}", "--no-jobs"], work))
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(5) };
            http.DefaultRequestHeaders.Authorization = new("Bearer", key);
            var events = Enumerable.Range(0, 4).Select(i => Batches.Event(model: "gpt-4o-mini-2024-07-18", tokensIn: 1000 * (i + 1), tokensOut: 100)).ToList();
            using (var response = await LensAI.Testing.LoopbackPort.SendWhenListeningAsync(
                http,
                () => new HttpRequestMessage(HttpMethod.Post, "v1/events") { Content = Batches.Content(Batches.Json(events)) },
                () => server.HasExited ? server.Describe() : null))
            {
                Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
            }
        }

        var report = await Lensai(lensai, work, "report", "--project", "acme", "--since", "7d", "--by", "model", "--json");
        Assert.Contains("gpt-4o-mini-2024-07-18", report.StandardOutput, StringComparison.Ordinal);
        var query = await Lensai(lensai, work, "query", "--project", "acme", "--format", "csv", "SELECT count(*) AS calls, sum(tokens_in) AS tokens FROM events");
        Assert.Matches(CsvRow(), query.StandardOutput);
    }

    private static async Task<ProcessResult> Lensai(string lensai, string work, params string[] arguments)
    {
        var result = await ProcessRunner.RunAsync(lensai, arguments, work, TimeSpan.FromMinutes(1));
        Assert.True(result.ExitCode == 0, result.Describe());
        return result;
    }

    [GeneratedRegex(@"(?m)^4,10000\r?$")]
    private static partial Regex CsvRow();
}
