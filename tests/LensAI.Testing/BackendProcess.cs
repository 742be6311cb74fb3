using Xunit;

namespace LensAI.Testing;

/// <summary>
/// The backend as a real child process: the server executable (<c>functions/LensAI.Server</c>) or the <c>lensai</c> tool
/// this build produced, run with <c>dotnet &lt;dll&gt;</c> (what <c>dotnet run --project …</c> starts, without building
/// again), for tests that need a process: documented commands run as written, both executables compared, a process
/// killed. A test project that uses it builds the executable first (a <c>ProjectReference</c> with
/// <c>ReferenceOutputAssembly="false"</c>). In process, use <see cref="TestBackend"/>.
/// </summary>
public static class BackendProcess
{
    /// <summary>The documented way to run the server: <c>dotnet run --project functions/LensAI.Server [-- arguments]</c>.</summary>
    public const string DocumentedServer = "dotnet run --project functions/LensAI.Server";

    /// <summary>The server executable's assembly.</summary>
    public static string ServerDll => Dll("LensAI.Server");

    /// <summary>
    /// The assembly of the executable <c>functions/&lt;project&gt;</c>, built in the calling test's configuration
    /// (<c>tests/X/bin/Debug/net10.0/</c> → <c>functions/&lt;project&gt;/bin/Debug/net10.0/&lt;project&gt;.dll</c>).
    /// </summary>
    public static string Dll(string project)
    {
        var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var dll = RepositoryPaths.Combine("functions", project, "bin", framework.Parent!.Name, framework.Name, project + ".dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"Build the solution first: {dll} is missing.");
    }

    /// <summary>The arguments after <c>--</c> of a documented server command (empty when it has none).</summary>
    public static List<string> ServerArguments(string documentedCommand)
    {
        ArgumentNullException.ThrowIfNull(documentedCommand);
        Assert.StartsWith(DocumentedServer, documentedCommand, StringComparison.Ordinal);
        var rest = documentedCommand[DocumentedServer.Length..].Trim();
        if (rest.Length == 0)
        {
            return [];
        }

        Assert.StartsWith("--", rest, StringComparison.Ordinal);
        return [.. DocCommands.SplitArguments(rest[2..].Trim())];
    }

    /// <summary>Runs the executable <paramref name="project"/> to the end (one minute at most).</summary>
    public static Task<ProcessResult> RunAsync(string project, IEnumerable<string> arguments, string workingDirectory, TimeSpan? timeout = null) =>
        ProcessRunner.RunAsync("dotnet", [Dll(project), .. arguments], workingDirectory, timeout ?? TimeSpan.FromSeconds(60));

    /// <summary>Runs the server executable to the end (a one-shot command: keys, budgets, jobs).</summary>
    public static Task<ProcessResult> RunServerAsync(IEnumerable<string> arguments, string workingDirectory, TimeSpan? timeout = null) =>
        RunAsync("LensAI.Server", arguments, workingDirectory, timeout);

    /// <summary>
    /// Starts the server executable serving on 127.0.0.1:<paramref name="port"/> (the arguments must say so) and returns
    /// once <c>/healthz</c> answers 200, polling with a deadline; throws with its output if it exits or never answers.
    /// </summary>
    public static async Task<RunningProcess> ServeAsync(IEnumerable<string> arguments, string workingDirectory, int port, TimeSpan? timeout = null)
    {
        var server = ProcessRunner.Start("dotnet", [ServerDll, .. arguments], workingDirectory);
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(2) };
            var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
            while (true)
            {
                Assert.False(server.HasExited, "The server exited: " + server.Describe());
                try
                {
                    using var response = await http.GetAsync(new Uri("healthz", UriKind.Relative)).ConfigureAwait(false);
                    if (response.IsSuccessStatusCode)
                    {
                        return server;
                    }
                }
                catch (HttpRequestException)
                {
                }
                catch (TaskCanceledException)
                {
                }

                Assert.True(DateTime.UtcNow < deadline, $"The server did not answer /healthz in time: {server.Describe()}");
                await Task.Delay(100).ConfigureAwait(false);
            }
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
