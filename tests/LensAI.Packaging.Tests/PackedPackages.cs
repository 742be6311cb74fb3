using System.IO.Compression;
using System.Xml.Linq;
using LensAI.Testing;

namespace LensAI.Packaging.Tests;

/// <summary>
/// Packs every LensAI package once per test run with the command docs/packages.md gives, plus a unique
/// <c>VersionSuffix</c> and an output folder of its own, so neither an earlier pack nor a NuGet cache can stand in for
/// this build.
/// </summary>
public sealed class PackedPackages : IAsyncLifetime
{
    public static readonly string[] Libraries = ["LensAI.Contract", "LensAI", "LensAI.OpenAI", "LensAI.Extensions.AI", "LensAI.SemanticKernel", "LensAI.Tokenizers"];

    public const string ToolPackage = "LensAI.Cli";

    /// <summary>
    /// The runtimes the tool ships for (functions/LensAI.Cli: ToolPackageRuntimeIdentifiers), each as a package
    /// <c>LensAI.Cli.&lt;rid&gt;</c> holding that runtime's DuckDB library only: the file and how its header names the
    /// platform.
    /// </summary>
    public static readonly (string Rid, string Library)[] ToolRuntimes = [("linux-x64", "libduckdb.so"), ("osx-arm64", "libduckdb.dylib"), ("win-x64", "duckdb.dll")];

    /// <summary>The per-runtime tool packages' ids.</summary>
    public static IEnumerable<string> ToolRuntimePackages => ToolRuntimes.Select(r => $"{ToolPackage}.{r.Rid}");

    private readonly TempFolder _feed = new("lensai-feed");

    /// <summary>The folder holding the packed .nupkg and .snupkg files: the consumer's only source for LensAI*.</summary>
    public string Feed => _feed.Path;

    /// <summary>The version every package was packed with.</summary>
    public string Version { get; private set; } = "";

    public ProcessResult Pack { get; private set; } = null!;

    /// <summary>The pre-release label of <see cref="Version"/>.</summary>
    public string Suffix { get; private set; } = "";

    /// <summary>Runs the same pack command again, with the same version, into <paramref name="folder"/>.</summary>
    public async Task<ProcessResult> PackAgainAsync(string folder)
    {
        var command = DocCommands.SplitArguments(DocCommands.Single("docs/packages.md", "pack"));
        return await ProcessRunner.RunAsync("dotnet", [.. command.Skip(1), "-o", folder, $"-p:VersionSuffix={Suffix}"], RepositoryPaths.Root, TimeSpan.FromMinutes(20));
    }

    public string PackagePath(string id, string extension = "nupkg") => Path.Combine(Feed, $"{id}.{Version}.{extension}");

    public async Task InitializeAsync()
    {
        var suffix = "test" + DateTime.UtcNow.ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture) + Guid.NewGuid().ToString("N")[..6];
        var prefix = XDocument.Load(RepositoryPaths.Combine("nuget", "Package.props")).Descendants("VersionPrefix").Single().Value;
        Version = $"{prefix}-{suffix}";
        Suffix = suffix;

        var command = DocCommands.SplitArguments(DocCommands.Single("docs/packages.md", "pack"));
        Assert.Equal("dotnet", command[0]);
        Pack = await ProcessRunner.RunAsync(
            "dotnet",
            [.. command.Skip(1), "-o", Feed, $"-p:VersionSuffix={suffix}"],
            RepositoryPaths.Root,
            TimeSpan.FromMinutes(20));
        Assert.True(Pack.ExitCode == 0, Pack.Describe());
    }

    public Task DisposeAsync()
    {
        _feed.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Opens a package read-only.</summary>
    public ZipArchive Open(string id, string extension = "nupkg") => ZipFile.OpenRead(PackagePath(id, extension));

    /// <summary>The nuspec of a package.</summary>
    public XElement Nuspec(string id)
    {
        using var zip = Open(id);
        var entry = zip.Entries.Single(e => e.FullName == id + ".nuspec");
        using var stream = entry.Open();
        return XDocument.Load(stream).Root!;
    }
}

[CollectionDefinition(Name)]
public sealed class PackagesGroup : ICollectionFixture<PackedPackages>
{
    public const string Name = "packed packages";
}
