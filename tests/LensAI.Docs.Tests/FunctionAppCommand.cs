using LensAI.Testing;

namespace LensAI.Docs.Tests;

/// <summary>
/// Runs a documented <c>dotnet run --project functions/LensAI.Server -- …</c> command: the same arguments given to
/// the function app the solution build already produced (what <c>dotnet run</c> would start, without building again),
/// in a working folder of the test's choosing.
/// </summary>
internal static class FunctionAppCommand
{
    private const string Prefix = "dotnet run --project functions/LensAI.Server";

    public static string Dll
    {
        get
        {
            // tests/LensAI.Docs.Tests/bin/<Configuration>/net10.0/ → functions/LensAI.Server/bin/<Configuration>/net10.0/
            var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var configuration = framework.Parent!.Name;
            var dll = RepositoryPaths.Combine("functions", "LensAI.Server", "bin", configuration, framework.Name, "LensAI.Server.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException($"Build the solution first: {dll} is missing.");
        }
    }

    /// <summary>The arguments after <c>--</c> of a documented command (empty when it has none).</summary>
    public static List<string> Arguments(string command)
    {
        Assert.StartsWith(Prefix, command, StringComparison.Ordinal);
        var rest = command[Prefix.Length..].Trim();
        if (rest.Length == 0)
        {
            return [];
        }

        Assert.StartsWith("--", rest, StringComparison.Ordinal);
        return [.. DocCommands.SplitArguments(rest[2..].Trim())];
    }

    public static Task<ProcessResult> RunAsync(IEnumerable<string> arguments, string workingDirectory, TimeSpan? timeout = null) =>
        ProcessRunner.RunAsync("dotnet", [Dll, .. arguments], workingDirectory, timeout ?? TimeSpan.FromSeconds(60));

    public static RunningProcess Start(IEnumerable<string> arguments, string workingDirectory) =>
        ProcessRunner.Start("dotnet", [Dll, .. arguments], workingDirectory);
}
