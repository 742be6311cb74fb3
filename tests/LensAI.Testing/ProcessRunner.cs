using System.Diagnostics;
using System.Text;

namespace LensAI.Testing;

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
        await using var running = Start(fileName, arguments, workingDirectory, environment);
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await running.Process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            running.Process.Kill(entireProcessTree: true);
            await running.Process.WaitForExitAsync();
            throw new TimeoutException($"`{running.CommandLine}` did not finish within {timeout.TotalSeconds:0} s and was killed. Output so far:\n{running.Describe()}");
        }

        return running.Result();
    }

    /// <summary>Starts a child (a server, say) that the caller stops by disposing the handle (kills the process tree).</summary>
    public static RunningProcess Start(
        string fileName,
        IEnumerable<string> arguments,
        string workingDirectory,
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

        return new RunningProcess(start);
    }

    internal static void Append(StringBuilder builder, string? line)
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

    internal static string Text(StringBuilder builder)
    {
        lock (builder)
        {
            return builder.ToString();
        }
    }

    internal static string Tail(StringBuilder builder)
    {
        var text = Text(builder);
        return text.Length > 4000 ? "…" + text[^4000..] : text;
    }
}

/// <summary>A started child process; disposing it kills the whole tree if it is still running.</summary>
public sealed class RunningProcess : IAsyncDisposable
{
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    internal RunningProcess(ProcessStartInfo start)
    {
        CommandLine = start.FileName + " " + string.Join(' ', start.ArgumentList.Select(a => a.Contains(' ', StringComparison.Ordinal) ? $"\"{a}\"" : a));
        Process = new Process { StartInfo = start };
        Process.OutputDataReceived += (_, e) => ProcessRunner.Append(_stdout, e.Data);
        Process.ErrorDataReceived += (_, e) => ProcessRunner.Append(_stderr, e.Data);
        Process.Start();
        Process.StandardInput.Close();
        Process.BeginOutputReadLine();
        Process.BeginErrorReadLine();
    }

    public string CommandLine { get; }

    public Process Process { get; }

    public bool HasExited => Process.HasExited;

    /// <summary>What it printed so far (the tails of stdout and stderr).</summary>
    public string Describe() => $"`{CommandLine}`:\n{ProcessRunner.Tail(_stdout)}\n--- stderr ---\n{ProcessRunner.Tail(_stderr)}";

    /// <summary>The result of a process that has exited.</summary>
    public ProcessResult Result()
    {
        Process.WaitForExit(); // drains the asynchronous output readers
        return new ProcessResult(CommandLine, Process.ExitCode, ProcessRunner.Text(_stdout), ProcessRunner.Text(_stderr), _clock.Elapsed);
    }

    public async ValueTask DisposeAsync()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            await Process.WaitForExitAsync();
        }

        Process.Dispose();
    }
}
