using System.Diagnostics;
using System.Text;

namespace LensAI.Packaging.Tests;

/// <summary>What a finished child process printed, and how it ended.</summary>
public sealed record ProcessResult(string CommandLine, int ExitCode, string StandardOutput, string StandardError, TimeSpan Elapsed)
{
    /// <summary>A readable account for an assertion message: the command, its exit code, and the tail of its output.</summary>
    public string Describe(int tailChars = 6000)
    {
        var all = StandardOutput + (StandardError.Length > 0 ? "\n--- stderr ---\n" + StandardError : "");
        var tail = all.Length > tailChars ? "…" + all[^tailChars..] : all;
        return $"`{CommandLine}` exited {ExitCode} after {Elapsed.TotalSeconds:0.0} s:\n{tail}";
    }
}

/// <summary>
/// Runs a child process with a time limit; on timeout the whole process tree is killed. The child gets a clean
/// build environment: the MSBuild variables that <c>dotnet test</c> leaks into the test host are removed, and build
/// servers and node reuse are off, so nothing outlives the test.
/// </summary>
public static class ProcessRunner
{
    private static readonly string[] LeakedVariables =
    [
        "MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBUILD_EXE_PATH", "MSBuildLoadMicrosoftTargetsReadOnly",
        "MSBUILDNOINPROCNODE", "_MSBUILDTLENABLED", "VSTEST_HOST_DEBUG", "VSTEST_RUNNER_DEBUG",
    ];

    public static async Task<ProcessResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        string workingDirectory,
        TimeSpan timeout,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var name in LeakedVariables)
        {
            start.Environment.Remove(name);
        }

        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["UseSharedCompilation"] = "false";
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        var commandLine = fileName + " " + string.Join(' ', start.ArgumentList.Select(a => a.Contains(' ', StringComparison.Ordinal) ? $"\"{a}\"" : a));
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(stderr, e.Data);
        var clock = Stopwatch.StartNew();
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"`{commandLine}` did not finish within {timeout.TotalSeconds:0} s and was killed. Output so far:\n{Tail(stdout)}\n{Tail(stderr)}");
        }

        process.WaitForExit(); // drains the asynchronous output readers
        return new ProcessResult(commandLine, process.ExitCode, Text(stdout), Text(stderr), clock.Elapsed);
    }

    private static void Append(StringBuilder builder, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (builder)
        {
            builder.AppendLine(line);
        }
    }

    private static string Text(StringBuilder builder)
    {
        lock (builder)
        {
            return builder.ToString();
        }
    }

    private static string Tail(StringBuilder builder)
    {
        var text = Text(builder);
        return text.Length > 4000 ? "…" + text[^4000..] : text;
    }
}
