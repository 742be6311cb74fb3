using System.IO.Compression;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Xml.Linq;
using LensAI.Testing;

namespace LensAI.Packaging.Tests;

/// <summary>What is inside the packed .nupkg and .snupkg files.</summary>
[Collection(PackagesGroup.Name)]
public sealed class PackageContentTests(PackedPackages packages)
{
    private static readonly string[] LibraryFrameworks = ["net8.0", "net10.0"];

    public static TheoryData<string> AllPackages => [.. PackedPackages.Libraries, PackedPackages.ToolPackage, .. PackedPackages.ToolRuntimePackages];

    public static TheoryData<string, string> ToolRuntimes
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var (rid, library) in PackedPackages.ToolRuntimes)
            {
                data.Add(rid, library);
            }

            return data;
        }
    }

    public static TheoryData<string> LibraryPackages => [.. PackedPackages.Libraries];

    [Theory]
    [MemberData(nameof(AllPackages))]
    public void Every_package_has_its_metadata_readme_icon_and_license(string id)
    {
        var nuspec = packages.Nuspec(id);
        var ns = nuspec.Name.Namespace;
        var metadata = nuspec.Element(ns + "metadata")!;
        Assert.Equal(id, metadata.Element(ns + "id")!.Value);
        Assert.Equal(packages.Version, metadata.Element(ns + "version")!.Value);

        var license = metadata.Element(ns + "license")!;
        Assert.Equal("expression", license.Attribute("type")!.Value);
        Assert.Equal("MIT", license.Value);
        Assert.Equal("icon.png", metadata.Element(ns + "icon")!.Value);
        Assert.Equal("README.md", metadata.Element(ns + "readme")!.Value);
        Assert.False(string.IsNullOrWhiteSpace(metadata.Element(ns + "description")?.Value), $"{id} has no description.");
        Assert.NotNull(metadata.Element(ns + "repository")?.Attribute("url"));

        using var zip = packages.Open(id);
        var icon = zip.GetEntry("icon.png")!;
        using (var png = icon.Open())
        {
            var header = new byte[8];
            png.ReadExactly(header);
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, header);
        }

        using var readme = new StreamReader(zip.GetEntry("README.md")!.Open());
        var text = readme.ReadToEnd();
        Assert.Contains("LensAI", text, StringComparison.Ordinal);
        Assert.True(text.Length > 300, $"{id}'s README is only {text.Length} characters.");
    }

    [Theory]
    [MemberData(nameof(LibraryPackages))]
    public void Libraries_ship_both_frameworks_with_xml_docs_and_no_stray_files(string id)
    {
        using var zip = packages.Open(id);
        var names = zip.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);
        foreach (var tfm in LibraryFrameworks)
        {
            Assert.Contains($"lib/{tfm}/{id}.dll", names);
            Assert.Contains($"lib/{tfm}/{id}.xml", names);
            using var docs = zip.GetEntry($"lib/{tfm}/{id}.xml")!.Open();
            var members = XDocument.Load(docs).Descendants("member").Count();
            Assert.True(members > 5, $"{id} {tfm} XML docs document only {members} members.");
        }

        // Only the assemblies, their docs and the package furniture: no test helpers, no PDBs (those go to the .snupkg).
        var unexpected = names.Where(n => !n.StartsWith("lib/", StringComparison.Ordinal) && !n.StartsWith("package/", StringComparison.Ordinal)
                && !n.StartsWith("_rels/", StringComparison.Ordinal) && n is not "[Content_Types].xml" and not "icon.png" and not "README.md"
                && n != id + ".nuspec")
            .ToList();
        Assert.Empty(unexpected);
        Assert.DoesNotContain(names, n => n.EndsWith(".pdb", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(LibraryPackages))]
    public void Assemblies_are_reproducible_and_symbols_are_in_the_snupkg(string id)
    {
        using var zip = packages.Open(id);
        using var symbols = packages.Open(id, "snupkg");
        foreach (var tfm in LibraryFrameworks)
        {
            var dll = Read(zip, $"lib/{tfm}/{id}.dll");
            using var pe = new PEReader(new MemoryStream(dll));
            var debug = pe.ReadDebugDirectory();
            Assert.Contains(debug, d => d.Type == DebugDirectoryEntryType.Reproducible);

            var codeView = debug.Single(d => d.Type == DebugDirectoryEntryType.CodeView);
            var pdbId = pe.ReadCodeViewDebugDirectoryData(codeView).Guid;
            var pdb = Read(symbols, $"lib/{tfm}/{id}.pdb");
            using var provider = MetadataReaderProvider.FromPortablePdbStream(new MemoryStream(pdb));
            var reader = provider.GetMetadataReader();
            Assert.Equal(pdbId, new BlobContentId(reader.DebugMetadataHeader!.Id).Guid);
        }
    }

    [Fact]
    public void Dependencies_name_only_what_each_package_uses()
    {
        // The contract stands alone: the framework only.
        Assert.Empty(Dependencies("LensAI.Contract"));

        var core = Dependencies("LensAI");
        Assert.Contains("LensAI.Contract", core);
        Assert.Contains("Polly.Core", core);
        Assert.DoesNotContain("OpenAI", core);
        Assert.DoesNotContain("Microsoft.Extensions.AI.Abstractions", core);
        Assert.DoesNotContain("Microsoft.ML.Tokenizers", core); // the real tokenizer is opt-in: LensAI.Tokenizers

        var tokenizers = Dependencies("LensAI.Tokenizers");
        Assert.Equal(new[] { "LensAI", "Microsoft.ML.Tokenizers", "Microsoft.ML.Tokenizers.Data.Cl100kBase", "Microsoft.ML.Tokenizers.Data.O200kBase" }, tokenizers.Order(StringComparer.Ordinal));

        var openAI = Dependencies("LensAI.OpenAI");
        Assert.Contains("LensAI", openAI);
        Assert.Contains("OpenAI", openAI);

        var extensionsAI = Dependencies("LensAI.Extensions.AI");
        Assert.Contains("LensAI", extensionsAI);
        Assert.Contains("Microsoft.Extensions.AI.Abstractions", extensionsAI);
        Assert.DoesNotContain("OpenAI", extensionsAI);

        // Semantic Kernel's abstractions only: the connectors and SK Core are the app's choice.
        var semanticKernel = Dependencies("LensAI.SemanticKernel");
        Assert.Equal(new[] { "LensAI", "LensAI.Extensions.AI", "Microsoft.SemanticKernel.Abstractions" }, semanticKernel.Order(StringComparer.Ordinal));
        var skVersions = packages.Nuspec("LensAI.SemanticKernel").Descendants().Where(e => e.Name.LocalName == "dependency" && (string?)e.Attribute("id") == "Microsoft.SemanticKernel.Abstractions");
        Assert.All(skVersions, d => Assert.Equal("1.82.0", (string)d.Attribute("version")!));

        // The SDK packages never drag the backend (DuckDB, AWS, Azure) into a user's app.
        foreach (var id in PackedPackages.Libraries)
        {
            Assert.DoesNotContain(Dependencies(id), d => d.StartsWith("AWSSDK", StringComparison.Ordinal) || d.StartsWith("Azure.", StringComparison.Ordinal) || d.Contains("Backend", StringComparison.Ordinal));
        }

        var lensAIDependency = packages.Nuspec("LensAI.OpenAI").Descendants().Where(e => e.Name.LocalName == "dependency" && (string?)e.Attribute("id") == "LensAI");
        Assert.All(lensAIDependency, d => Assert.Equal(packages.Version, (string)d.Attribute("version")!));
    }

    [Fact]
    public async Task Packing_the_same_commit_twice_gives_byte_identical_packages()
    {
        using var second = new TempFolder("lensai-feed-again");
        var again = await packages.PackAgainAsync(second.Path);
        Assert.True(again.ExitCode == 0, again.Describe());
        foreach (var id in PackedPackages.Libraries.Append(PackedPackages.ToolPackage).Concat(PackedPackages.ToolRuntimePackages))
        {
            var first = await File.ReadAllBytesAsync(packages.PackagePath(id));
            var repeat = await File.ReadAllBytesAsync(Path.Combine(second.Path, Path.GetFileName(packages.PackagePath(id))));
            Assert.True(first.AsSpan().SequenceEqual(repeat), $"{id}.{packages.Version}.nupkg differs between two packs of the same commit.");
        }
    }

    [Fact]
    public void The_tool_package_is_a_dotnet_tool_named_lensai_that_points_at_one_package_per_runtime()
    {
        var nuspec = packages.Nuspec(PackedPackages.ToolPackage);
        Assert.Contains("DotnetTool", nuspec.Descendants().Where(e => e.Name.LocalName == "packageType").Select(e => (string)e.Attribute("name")!));

        // The pointer package holds no implementation: the settings name the command and the per-runtime packages.
        using var zip = packages.Open(PackedPackages.ToolPackage);
        Assert.DoesNotContain(zip.Entries, e => e.FullName.EndsWith(".dll", StringComparison.Ordinal) || IsDuckDbLibrary(e.FullName));
        var settings = Settings(zip, "tools/any/any/DotnetToolSettings.xml");
        Assert.Equal("lensai", (string)settings.Descendants("Command").Single().Attribute("Name")!);
        Assert.Equal(
            PackedPackages.ToolRuntimes.Select(r => (r.Rid, $"{PackedPackages.ToolPackage}.{r.Rid}")),
            settings.Descendants("RuntimeIdentifierPackage").Select(p => ((string)p.Attribute("RuntimeIdentifier")!, (string)p.Attribute("Id")!)));
    }

    [Theory]
    [MemberData(nameof(ToolRuntimes))]
    public void Each_runtime_package_runs_lensai_with_exactly_its_own_DuckDB_library(string rid, string library)
    {
        var id = $"{PackedPackages.ToolPackage}.{rid}";
        Assert.Contains("DotnetToolRidPackage", packages.Nuspec(id).Descendants().Where(e => e.Name.LocalName == "packageType").Select(e => (string)e.Attribute("name")!));
        using var zip = packages.Open(id);
        var folder = $"tools/net10.0/{rid}/";
        var command = Settings(zip, folder + "DotnetToolSettings.xml").Descendants("Command").Single();
        Assert.Equal("lensai", (string)command.Attribute("Name")!);
        Assert.NotNull(zip.GetEntry(folder + (string)command.Attribute("EntryPoint")!));
        Assert.NotNull(zip.GetEntry(folder + "DuckDB.NET.Data.dll"));

        // One native DuckDB library, this runtime's, built for this platform (its header says so), and no other.
        var native = Assert.Single(zip.Entries, e => IsDuckDbLibrary(e.FullName));
        Assert.Equal(folder + library, native.FullName);
        Assert.Equal(rid, PlatformOf(native));

        // Small: the assemblies and one library (the old all-runtimes layout was ~110 MB compressed).
        Assert.True(new FileInfo(packages.PackagePath(id)).Length < 48L * 1024 * 1024, $"{id} is {new FileInfo(packages.PackagePath(id)).Length / 1024 / 1024} MB");
    }

    private static bool IsDuckDbLibrary(string path) => Path.GetFileName(path) is "libduckdb.so" or "libduckdb.dylib" or "duckdb.dll";

    private static XDocument Settings(ZipArchive zip, string path)
    {
        using var stream = (zip.GetEntry(path) ?? throw new InvalidOperationException($"{path} is not in the package.")).Open();
        return XDocument.Load(stream);
    }

    /// <summary>The runtime a native library's header says it is for: ELF x86-64, a Mach-O (universal) holding arm64, PE x64.</summary>
    private static string PlatformOf(ZipArchiveEntry library)
    {
        var header = new byte[4096];
        using (var stream = library.Open())
        {
            stream.ReadAtLeast(header, header.Length);
        }

        if (header is [0x7F, (byte)'E', (byte)'L', (byte)'F', ..])
        {
            return BitConverter.ToUInt16(header, 18) == 0x3E ? "linux-x64" : "linux-other"; // e_machine: EM_X86_64
        }

        if (header is [0xCA, 0xFE, 0xBA, 0xBE, ..] || header is [0xCF, 0xFA, 0xED, 0xFE, ..])
        {
            // A universal binary lists its architectures (big-endian cputype per entry); a thin one has one cputype.
            var types = header[0] == 0xCA
                ? Enumerable.Range(0, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4))).Select(i => System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(8 + (20 * i))))
                : [BitConverter.ToUInt32(header, 4)];
            return types.Contains(0x0100000Cu) ? "osx-arm64" : "osx-other"; // CPU_TYPE_ARM64
        }

        if (header is [(byte)'M', (byte)'Z', ..])
        {
            var pe = BitConverter.ToInt32(header, 0x3C);
            return BitConverter.ToUInt16(header, pe + 4) == 0x8664 ? "win-x64" : "win-other"; // IMAGE_FILE_MACHINE_AMD64
        }

        return "unknown";
    }

    private List<string> Dependencies(string id) =>
        packages.Nuspec(id).Descendants().Where(e => e.Name.LocalName == "dependency").Select(e => (string)e.Attribute("id")!).Distinct().ToList();

    private static byte[] Read(ZipArchive zip, string name)
    {
        var entry = zip.GetEntry(name) ?? throw new InvalidOperationException($"{name} is not in the package.");
        using var stream = entry.Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
