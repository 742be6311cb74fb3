using System.Reflection.Metadata;
using System.Text.Json;
using LensAI.Testing;

namespace LensAI.Packaging.Tests;

/// <summary>
/// SourceLink as a release build from GitHub gets it: a clone of this repository whose remote is on github.com builds
/// the SDK in Release, and the PDB maps every source file to raw.githubusercontent.com at the cloned commit.
/// </summary>
public sealed class SourceLinkTests
{
    private static readonly Guid SourceLinkKind = new("CC110556-A091-4D38-9FEC-25AB9A351A6A");

    [Fact]
    public async Task A_clone_with_a_github_remote_maps_sources_to_that_commit_on_github()
    {
        using var temp = new TempFolder("lensai-sourcelink");
        var clone = temp.Combine("repo");
        await Run("git", ["clone", "--quiet", "--no-hardlinks", RepositoryPaths.Root, clone], temp.Path);
        await Run("git", ["remote", "set-url", "origin", "https://github.com/lensai/lensai.git"], clone);
        var commit = (await Run("git", ["rev-parse", "HEAD"], clone)).StandardOutput.Trim();

        var build = await ProcessRunner.RunAsync(
            "dotnet",
            ["build", Path.Combine(clone, "sdk", "LensAI", "LensAI.csproj"), "-c", "Release", "-f", "net10.0", "-p:ContinuousIntegrationBuild=true"],
            clone,
            TimeSpan.FromMinutes(5));
        Assert.True(build.ExitCode == 0, build.Describe());

        var pdb = Path.Combine(clone, "sdk", "LensAI", "bin", "Release", "net10.0", "LensAI.pdb");
        using var provider = MetadataReaderProvider.FromPortablePdbStream(File.OpenRead(pdb));
        var reader = provider.GetMetadataReader();
        var sourceLink = reader.CustomDebugInformation
            .Select(reader.GetCustomDebugInformation)
            .Single(c => reader.GetGuid(c.Kind) == SourceLinkKind);
        using var json = JsonDocument.Parse(reader.GetBlobBytes(sourceLink.Value));
        var map = json.RootElement.GetProperty("documents").EnumerateObject().ToList();
        var entry = Assert.Single(map);
        Assert.Equal("/_/*", entry.Name); // deterministic source paths (ContinuousIntegrationBuild)
        Assert.Equal($"https://raw.githubusercontent.com/lensai/lensai/{commit}/*", entry.Value.GetString());

        // ContinuousIntegrationBuild: document paths are mapped to /_/, so no build machine path leaks into the PDB.
        var documents = reader.Documents.Select(d => reader.GetString(reader.GetDocument(d).Name)).ToList();
        Assert.Contains(documents, d => d.EndsWith("LensAIClient.cs", StringComparison.Ordinal));
        Assert.DoesNotContain(documents, d => d.StartsWith(clone, StringComparison.Ordinal));
    }

    private static async Task<ProcessResult> Run(string file, string[] arguments, string directory)
    {
        var result = await ProcessRunner.RunAsync(file, arguments, directory, TimeSpan.FromMinutes(2));
        Assert.True(result.ExitCode == 0, result.Describe());
        return result;
    }
}
