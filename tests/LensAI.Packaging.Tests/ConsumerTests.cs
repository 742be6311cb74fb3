using System.Globalization;
using LensAI.Pricing;
using LensAI.Testing;
using Microsoft.AspNetCore.Http;

namespace LensAI.Packaging.Tests;

/// <summary>
/// A user's first build: a fresh console project outside the repository takes the three library packages from the
/// packed folder only (every other package from nuget.org), builds, and runs against the embedded backend.
/// </summary>
[Collection(PackagesGroup.Name)]
public sealed class ConsumerTests(PackedPackages packages)
{
    [Fact]
    public async Task A_fresh_project_restores_the_packages_from_the_local_feed_builds_and_lands_priced_events_in_parquet()
    {
        await using var backend = await TestBackend.StartAsync();
        var key = await backend.CreateKeyAsync("consumer");
        var recorded = Fixtures.Bytes("openai/chat-completion-basic.json");
        var openAICalls = 0;
        await using var openAI = await LoopbackServer.StartAsync(async context =>
        {
            if (context.Request.Method != "POST" || context.Request.Path != "/v1/chat/completions")
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            Interlocked.Increment(ref openAICalls);
            context.Response.ContentType = "application/json";
            await context.Response.Body.WriteAsync(recorded);
        });

        using var project = new TempFolder("lensai-consumer");
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Consumer", "Program.cs"), project.Combine("Program.cs"));
        File.WriteAllText(project.Combine("Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="LensAI" Version="{packages.Version}" />
                <PackageReference Include="LensAI.OpenAI" Version="{packages.Version}" />
                <PackageReference Include="LensAI.Extensions.AI" Version="{packages.Version}" />
              </ItemGroup>
            </Project>
            """);
        WriteNuGetConfig(project, packages.Feed);

        var environment = ConsumerEnvironment(project);
        environment["LENSAI_ENDPOINT"] = backend.BaseAddress.AbsoluteUri;
        environment["LENSAI_API_KEY"] = key;
        environment["CONSUMER_OPENAI_BASE_URL"] = new Uri(openAI.BaseAddress, "v1").AbsoluteUri;
        environment["CONSUMER_SPOOL_DIRECTORY"] = project.Combine("spool");

        var run = await ProcessRunner.RunAsync("dotnet", ["run", "--project", project.Combine("Consumer.csproj")], project.Path, TimeSpan.FromMinutes(5), environment);
        Assert.True(run.ExitCode == 0, run.Describe());
        Assert.Contains("shipped: True, recorded: 3", run.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(2, openAICalls);

        // The restore took LensAI* from the packed folder: the assets file names that folder for them.
        var assets = File.ReadAllText(project.Combine("obj", "project.assets.json"));
        Assert.Contains($"\"LensAI/{packages.Version}\"", assets, StringComparison.Ordinal);
        Assert.Contains(packages.Feed.Replace("\\", "\\\\", StringComparison.Ordinal), assets, StringComparison.Ordinal);

        // All three calls are in Parquet, priced from the catalogue, attributed from the scope.
        var expected = PriceCatalog.Default.Calculate("openai", "gpt-4o-mini-2024-07-18", new TokenUsage(11, 9))!.Value;
        var rows = await backend.QueryAsync("consumer", "SELECT sdk, model, tokens_in, tokens_out, cost_usd, user_id, route FROM {events} ORDER BY sdk");
        Assert.Equal(3, rows.Count);
        Assert.All(rows, r =>
        {
            Assert.Equal("consumer-user", r["user_id"]);
            Assert.Equal("POST /consumer", r["route"]);
            Assert.NotNull(r["cost_usd"]);
        });
        var fromRecording = rows.Where(r => Convert.ToInt64(r["tokens_in"], CultureInfo.InvariantCulture) == 11).ToList();
        Assert.Equal(2, fromRecording.Count);
        Assert.All(fromRecording, r => Assert.Equal(expected, Convert.ToDecimal(r["cost_usd"], CultureInfo.InvariantCulture)));
        var fixedClient = Assert.Single(rows, r => Convert.ToInt64(r["tokens_in"], CultureInfo.InvariantCulture) == 12);
        Assert.Equal(7L, Convert.ToInt64(fixedClient["tokens_out"], CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// <c>LensAI*</c> from the packed folder only; everything else from nuget.org, with the machine's package cache
    /// as a read-only fallback so third-party packages are not downloaded again.
    /// </summary>
    internal static void WriteNuGetConfig(TempFolder project, string feed)
    {
        var machineCache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        File.WriteAllText(project.Combine("nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="lensai-local" value="{feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
              </packageSources>
              <packageSourceMapping>
                <packageSource key="lensai-local">
                  <package pattern="LensAI" />
                  <package pattern="LensAI.*" />
                </packageSource>
                <packageSource key="nuget.org">
                  <package pattern="*" />
                </packageSource>
              </packageSourceMapping>
              <fallbackPackageFolders>
                <add key="machine" value="{machineCache}" />
              </fallbackPackageFolders>
            </configuration>
            """);
    }

    /// <summary>A package folder of the consumer's own, so nothing it restores lands in (or comes from) the machine's.</summary>
    internal static Dictionary<string, string?> ConsumerEnvironment(TempFolder project) => new()
    {
        ["NUGET_PACKAGES"] = project.Combine("packages"),
        ["CI"] = null,
    };
}
