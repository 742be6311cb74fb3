using System.Text.RegularExpressions;
using LensAI.Testing;

namespace LensAI.Docs.Tests;

/// <summary>
/// The benchmark commands in docs/benchmarks.md take minutes to hours, so CI does not run them (their numbers come
/// from the runs recorded on that page); it checks that each still names a real project, real benchmarks and a mode
/// the program understands, so the page cannot point at something that is gone.
/// </summary>
public sealed partial class BenchmarkCommandTests
{
    [Fact]
    public void The_sdk_benchmark_filters_each_match_a_benchmark_class()
    {
        var command = DocCommands.SplitArguments(DocCommands.Single("docs/benchmarks.md", "sdk"));
        var project = ProjectOf(command);
        var classes = BenchmarkClasses(project);
        var filters = command.SkipWhile(a => a != "--filter").Skip(1).TakeWhile(a => !a.StartsWith("--", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(filters);
        foreach (var filter in filters)
        {
            var pattern = new Regex("^" + Regex.Escape(filter).Replace("\\*", ".*", StringComparison.Ordinal) + "$");
            Assert.True(classes.Any(c => pattern.IsMatch(c)), $"--filter {filter} matches no benchmark in {project} (classes: {string.Join(", ", classes)}).");
        }
    }

    [Fact]
    public void The_budget_guard_benchmark_filters_each_match_a_benchmark_class()
    {
        var command = DocCommands.SplitArguments(DocCommands.Single("docs/budgets-sdk.md", "benchmarks"));
        var classes = BenchmarkClasses(ProjectOf(command));
        var filters = command.SkipWhile(a => a != "--filter").Skip(1).ToList();
        Assert.Equal(2, filters.Count);
        Assert.All(filters, f => Assert.Contains(classes, c => new Regex("^" + Regex.Escape(f).Replace("\\*", ".*", StringComparison.Ordinal) + "$").IsMatch(c)));
    }

    [Fact]
    public void The_outage_soak_command_names_a_mode_the_program_handles() => ModeCommand(DocCommands.Single("docs/benchmarks.md", "outage"), "outage");

    [Fact]
    public void The_ingest_load_command_names_a_mode_the_program_handles() => ModeCommand(DocCommands.Single("docs/benchmarks.md", "ingest"), "all");

    [Fact]
    public void The_ingest_profile_command_names_a_mode_the_program_handles() => ModeCommand(DocCommands.Single("docs/benchmarks.md", "profile"), "profile");

    [Fact]
    public void The_part_writer_command_names_a_mode_the_program_handles() => ModeCommand(DocCommands.Single("docs/benchmarks.md", "writers"), "writers");

    [Fact]
    public void The_rollups_command_names_a_mode_the_program_handles() => ModeCommand(DocCommands.Single("docs/benchmarks.md", "rollups"), "rollups");

    [Fact]
    public void The_budget_check_commands_name_a_mode_the_program_handles()
    {
        ModeCommand(DocCommands.Single("docs/benchmarks.md", "budget-check"), "budgets");
        ModeCommand(DocCommands.Single("docs/benchmarks.md", "budget-check-history"), "budgets");
    }

    [Fact]
    public void The_breach_to_block_command_names_a_mode_the_program_handles() => ModeCommand(DocCommands.Single("docs/benchmarks.md", "breach"), "breach");

    [Fact]
    public void The_scale_out_and_cold_start_commands_name_modes_the_program_handles()
    {
        ModeCommand(DocCommands.Single("docs/benchmarks.md", "scale-out"), "scale-out");
        ModeCommand(DocCommands.Single("docs/benchmarks.md", "cold-start"), "cold-start");
    }

    private static void ModeCommand(string line, string mode)
    {
        var command = DocCommands.SplitArguments(line);
        var project = ProjectOf(command);
        var arguments = command.SkipWhile(a => a != "--").Skip(1).ToList();
        Assert.Equal(mode, arguments[0]);
        Assert.All(arguments.Skip(1), a => Assert.True(int.TryParse(a, out _), $"'{a}' is not a number."));
        var program = File.ReadAllText(Path.Combine(project, "Program.cs"));
        Assert.Contains($"\"{mode}\"", program, StringComparison.Ordinal);
    }

    private static string ProjectOf(IReadOnlyList<string> command)
    {
        Assert.Equal(["dotnet", "run", "-c", "Release", "--project"], command.Take(5));
        var project = RepositoryPaths.Combine(command[5].Split('/'));
        Assert.True(Directory.Exists(project), $"{command[5]} does not exist.");
        return project;
    }

    /// <summary>Namespace-qualified names (as BenchmarkDotNet's --filter sees them) of classes with [Benchmark] methods.</summary>
    private static List<string> BenchmarkClasses(string project) =>
        Directory.GetFiles(project, "*.cs")
            .Select(File.ReadAllText)
            .Where(text => text.Contains("[Benchmark", StringComparison.Ordinal))
            .SelectMany(text =>
            {
                var ns = Namespace().Match(text).Groups[1].Value;
                return Class().Matches(text).Select(m => $"{ns}.{m.Groups[1].Value}.Method");
            })
            .ToList();

    [GeneratedRegex(@"namespace\s+([\w.]+)")]
    private static partial Regex Namespace();

    [GeneratedRegex(@"class\s+(\w+)")]
    private static partial Regex Class();
}
