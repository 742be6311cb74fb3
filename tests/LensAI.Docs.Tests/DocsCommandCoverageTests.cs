using System.Text.RegularExpressions;
using LensAI.Testing;

namespace LensAI.Docs.Tests;

/// <summary>
/// Every shell block in README.md and docs/ carries a <c>&lt;!-- command: id --&gt;</c> and some test reads that block
/// by its id (so runs what the page says), and the README's test command is what CI runs.
/// </summary>
public sealed partial class DocsCommandCoverageTests
{
    public static TheoryData<string> Pages() => [.. PagePaths()];

    private static IEnumerable<string> PagePaths() =>
        Directory.GetFiles(RepositoryPaths.Combine("docs"), "*.md", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Select(file => Path.GetRelativePath(RepositoryPaths.Root, file).Replace('\\', '/'))
            .Prepend("README.md");

    [Theory]
    [MemberData(nameof(Pages))]
    public void Every_command_block_has_an_id_and_a_test_that_reads_it(string page)
    {
        var blocks = DocCommands.Parse(page);
        var unnamed = blocks.Where(b => b.Id is null).Select(b => $"{page}:{b.Line}").ToList();
        Assert.True(unnamed.Count == 0, $"Shell blocks without a <!-- command: id --> line above them: {string.Join(", ", unnamed)}");

        var duplicate = blocks.GroupBy(b => b.Id).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(duplicate.Count == 0, $"{page} uses a command id twice: {string.Join(", ", duplicate)}");

        var sources = TestSources.Value;
        var unread = blocks
            .Where(b => !sources.Any(s => s.Contains($"\"{page}\", \"{b.Id}\"", StringComparison.Ordinal)))
            .Select(b => $"{page}#{b.Id} (line {b.Line})")
            .ToList();
        Assert.True(unread.Count == 0, $"No test reads these command blocks (DocCommands.Lines/Single(\"{page}\", \"<id>\")): {string.Join(", ", unread)}");
    }

    [Fact]
    public void Ci_runs_exactly_the_readme_test_command()
    {
        var readme = DocCommands.Lines("README.md", "setup");
        Assert.Equal(2, readme.Count);
        Assert.Equal("dotnet run --project samples/Quickstart", readme[0]);
        Assert.Equal("dotnet test LensAI.sln", readme[1]);

        var ci = File.ReadAllLines(RepositoryPaths.Combine(".ci", "run")).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        Assert.Contains(readme[1], ci);
    }

    [Fact]
    public void Every_doc_page_is_linked_from_the_docs_index()
    {
        var index = File.ReadAllText(RepositoryPaths.Combine("docs", "README.md"));
        var pages = Directory.GetFiles(RepositoryPaths.Combine("docs"), "*.md").Select(Path.GetFileName).Where(n => n != "README.md").ToList();
        var missing = pages.Where(p => !index.Contains($"({p})", StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0, $"docs/README.md does not link: {string.Join(", ", missing)}");
    }

    [Fact]
    public void Relative_links_in_the_docs_point_at_files_that_exist()
    {
        var broken = new List<string>();
        foreach (var page in PagePaths())
        {
            var folder = Path.GetDirectoryName(RepositoryPaths.Combine(page.Split('/')))!;
            foreach (Match link in MarkdownLink().Matches(File.ReadAllText(RepositoryPaths.Combine(page.Split('/')))))
            {
                var target = link.Groups[1].Value.Split('#')[0];
                if (target.Length == 0 || target.Contains("://", StringComparison.Ordinal) || target.StartsWith("mailto:", StringComparison.Ordinal))
                {
                    continue;
                }

                if (!File.Exists(Path.Combine(folder, target)) && !Directory.Exists(Path.Combine(folder, target)))
                {
                    broken.Add($"{page} → {target}");
                }
            }
        }

        Assert.True(broken.Count == 0, "Broken links: " + string.Join(", ", broken));
    }

    /// <summary>The text of every C# file under tests/ (where DocCommands calls live).</summary>
    private static readonly Lazy<List<string>> TestSources = new(() =>
        Directory.EnumerateFiles(RepositoryPaths.Combine("tests"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(File.ReadAllText)
            .ToList());

    [GeneratedRegex(@"\]\(([^)\s]+)\)")]
    private static partial Regex MarkdownLink();
}
