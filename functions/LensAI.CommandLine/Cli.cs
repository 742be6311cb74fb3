using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Reflection;
using LensAI.Cli.Commands;

namespace LensAI.Cli;

/// <summary>
/// The <c>lensai</c> command line: <c>serve</c>, <c>keys</c>, <c>budgets</c>, <c>report</c>, <c>query</c>,
/// <c>export</c>, <c>jobs</c> and <c>audit</c>, each thin over the backend library and run in process on the same storage
/// configuration as the backend. Exit codes are in <see cref="ExitCodes"/>.
/// </summary>
public static class Cli
{
    /// <summary>Runs a command on the process's console (the tool's entry point).</summary>
    public static Task<int> RunAsync(string[] args) => RunAsync(args, Console.Out, Console.Error, CancellationToken.None);

    /// <summary>
    /// Runs a command writing results to <paramref name="stdout"/> and messages, progress and errors to
    /// <paramref name="stderr"/>; returns the exit code. Writers other than the console get plain text (no colour, no
    /// live progress), so tests and scripts can read the output.
    /// </summary>
    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default)
        => RunAsync(args, stdout, stderr, Environment.CurrentDirectory, cancellationToken: cancellationToken);

    /// <summary>
    /// As <see cref="RunAsync(string[], TextWriter, TextWriter, CancellationToken)"/>, with relative paths on the command
    /// line (<c>--data</c>, <c>--html</c>, <c>--out</c>, <c>--file</c>) taken from <paramref name="workingDirectory"/>
    /// instead of the process's current directory (so tests can run documented commands as written, in parallel).
    /// <c>terminal: true</c> treats both writers as an interactive ANSI terminal (live progress bars, colour), as on a
    /// real one; by default only the process's own, unredirected console is.
    /// </summary>
    internal static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, string workingDirectory, bool? terminal = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        var onConsole = ReferenceEquals(stdout, Console.Out);
        var context = new CliContext(stdout, stderr, onConsole, TimeProvider.System, workingDirectory, terminal);
        var root = BuildCommand(context);
        var parse = root.Parse(args);
        var invocation = new InvocationConfiguration
        {
            Output = stdout,
            Error = stderr,
            // Ctrl+C cancels the command's token (and ends the process after 2 s); only on the real console.
            ProcessTerminationTimeout = onConsole ? TimeSpan.FromSeconds(2) : null,
        };
        if (parse.Action is ParseErrorAction)
        {
            // Errors and the command's usage go to stderr; a wrong command line is exit code 2, not 1.
            invocation.Output = stderr;
            await parse.InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        return await parse.InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
    }

    internal static Command BuildCommand(CliContext context)
    {
        // A named root rather than RootCommand (named after the entry assembly, LensAI.Cli), so help says "lensai".
        var root = new Command("lensai", $"""
            lensai {Version} — LensAI from the command line: the embedded backend, API keys, budgets, cost and latency reports,
            SQL over the project's Parquet events, exports and the backend's jobs. Storage is the backend's: a local
            folder (--data, default .lensai/data) or S3 / Azure Blob from LensAI__Backend__Storage__… settings.
            Exit codes: 0 ok, 1 failed, 2 usage (bad command line, unknown project, unusable configuration).
            """)
        {
            context.Globals.Data,
            context.Globals.Config,
            context.Globals.Verbose,
            new HelpOption(),
            new VersionOption(),
        };
        root.Subcommands.Add(ServeCommand.Create(context));
        root.Subcommands.Add(KeysCommand.Create(context));
        root.Subcommands.Add(BudgetsCommand.Create(context));
        root.Subcommands.Add(ReportCommand.Create(context));
        root.Subcommands.Add(QueryCommand.Create(context));
        root.Subcommands.Add(ExportCommand.Create(context));
        root.Subcommands.Add(JobsCommand.Create(context));
        root.Subcommands.Add(AuditCommand.Create(context));
        return root;
    }

    /// <summary>The version of the executable running the commands (the lensai tool, or the server forwarding to them).</summary>
    internal static string Version { get; } =
        (Assembly.GetEntryAssembly() ?? typeof(Cli).Assembly).GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";
}
