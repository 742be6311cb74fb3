using System.Diagnostics;
using System.Text;

namespace LensAI.Backend.Benchmarks;

/// <summary>
/// A child process of the scale-out run (an ingest server or a job host): <c>dotnet &lt;dll&gt; …</c>, its output
/// lines passed to <see cref="Line"/> and kept (the last 64 KB) for failure messages. <see cref="KillNow"/> is
/// <c>kill -9</c> (SIGKILL: no shutdown code runs); disposing kills the whole tree if it is still running.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ChildProcess(string name, string dll, IEnumerable<string> arguments, string workingDirectory, Action<ChildProcess, string>? line)
    {
        Name = name;
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workingDirectory };
        start.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_NOLOGO"] = "1";
        _process = new Process { StartInfo = start, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => OnLine(e.Data, line);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data, line);
        _process.Start();
        Id = _process.Id;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>A name for messages (<c>ingest-1</c>, <c>jobs-0</c>).</summary>
    public string Name { get; }

    /// <summary>The OS process id (what the job runner's lease owner names).</summary>
    public int Id { get; }

    /// <summary>Set once <see cref="KillNow"/> ran.</summary>
    public bool Killed { get; private set; }

    public bool HasExited => _process.HasExited;

    /// <summary>The last 64 KB it printed.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts <c>dotnet <paramref name="dll"/> <paramref name="arguments"/></c>; <paramref name="line"/> sees each output line.</summary>
    public static ChildProcess Start(string name, string dll, IEnumerable<string> arguments, string workingDirectory, Action<ChildProcess, string>? line = null)
        => new(name, dll, arguments, workingDirectory, line);

    /// <summary><c>kill -9</c>: SIGKILL, then waits until the process is gone.</summary>
    public async Task KillNowAsync()
    {
        Killed = true;
        _process.Kill(entireProcessTree: false);
        await _process.WaitForExitAsync();
    }

    /// <summary>Stops the process (SIGSTOP) so that what it holds can be inspected before it is killed; false where that is not available.</summary>
    public bool Freeze() => !OperatingSystem.IsWindows() && Signal("STOP");

    /// <summary>Lets a frozen process go on (SIGCONT).</summary>
    public void Thaw()
    {
        if (!OperatingSystem.IsWindows() && !_process.HasExited)
        {
            Signal("CONT");
        }
    }

    private bool Signal(string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-" + signal, Id.ToString(System.Globalization.CultureInfo.InvariantCulture) }, UseShellExecute = false });
        kill!.WaitForExit();
        return kill.ExitCode == 0;
    }

    /// <summary>A description for assertion messages: the name, pid, state and output tail.</summary>
    public string Describe()
    {
        var output = Output;
        return $"{Name} (pid {Id}{(HasExited ? ", exited" : "")}):\n{(output.Length > 4000 ? "…" + output[^4000..] : output)}";
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                Thaw();
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
    }

    private void OnLine(string? text, Action<ChildProcess, string>? line)
    {
        if (text is null)
        {
            return;
        }

        lock (_output)
        {
            if (_output.Length > 64 * 1024)
            {
                _output.Remove(0, _output.Length - (48 * 1024));
            }

            _output.AppendLine(text);
        }

        line?.Invoke(this, text);
    }
}
