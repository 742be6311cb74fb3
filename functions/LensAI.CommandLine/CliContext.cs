using System.CommandLine;
using System.Diagnostics.CodeAnalysis;
using DuckDB.NET.Data;
using LensAI.Backend.Storage;
using Microsoft.Extensions.Options;
using Spectre.Console;

namespace LensAI.Cli;

/// <summary>What every command shares: the two consoles, the raw writers, the clock, the global options, and error handling.</summary>
internal sealed class CliContext
{
    public CliContext(TextWriter stdout, TextWriter stderr, bool onConsole, TimeProvider time, string workingDirectory, bool? terminal = null)
    {
        WorkingDirectory = Path.GetFullPath(workingDirectory);
        OutWriter = stdout;
        ErrWriter = stderr;
        Time = time;
        Out = CreateConsole(stdout, terminal ?? (onConsole && !Console.IsOutputRedirected), forced: terminal == true);
        Err = CreateConsole(stderr, terminal ?? (onConsole && ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected), forced: terminal == true);
    }

    /// <summary>Results: tables, reports, query rows.</summary>
    public IAnsiConsole Out { get; }

    /// <summary>Messages, progress and errors (so stdout stays clean for pipes).</summary>
    public IAnsiConsole Err { get; }

    public TextWriter OutWriter { get; }

    public TextWriter ErrWriter { get; }

    public TimeProvider Time { get; }

    /// <summary>What relative paths on the command line are relative to (the current directory, except in tests).</summary>
    public string WorkingDirectory { get; }

    /// <summary>A command-line path made absolute against <see cref="WorkingDirectory"/>.</summary>
    public string FullPath(string path) => Path.GetFullPath(path, WorkingDirectory);

    public GlobalOptions Globals { get; } = new();

    /// <summary>
    /// Sets a command's action: runs <paramref name="body"/> with the backend opened on the configured storage, maps
    /// errors to exit codes and prints them plainly (never wrapped, so DuckDB's and storage's messages stay intact).
    /// </summary>
    public void SetBackendAction(Command command, Func<ParseResult, BackendSession, CancellationToken, Task<int>> body, bool serve = false)
        => command.SetAction((parse, cancellationToken) => RunAsync(parse, async ct =>
        {
            await using var backend = BackendSession.Open(Settings(parse), serve);
            return await body(parse, backend, ct).ConfigureAwait(false);
        }, cancellationToken));

    public BackendSettings Settings(ParseResult parse) => new(
        parse.GetValue(Globals.Data) is { Length: > 0 } data ? FullPath(data) : null,
        parse.GetValue(Globals.Config) ?? [],
        parse.GetValue(Globals.Verbose),
        WorkingDirectory);

    [SuppressMessage("Design", "CA1031:Do not catch general exception types", Justification = "The CLI's last line: every failure becomes a message and an exit code.")]
    public async Task<int> RunAsync(ParseResult parse, Func<CancellationToken, Task<int>> body, CancellationToken cancellationToken)
    {
        var name = CommandPath(parse);
        try
        {
            return await body(cancellationToken).ConfigureAwait(false);
        }
        catch (UsageException ex)
        {
            Error(ex.Message);
            ErrWriter.WriteLine($"Run 'lensai {name} --help' for usage.");
            return ExitCodes.Usage;
        }
        catch (OptionsValidationException ex)
        {
            // A bad setting (--config, LensAI__… variables, appsettings.json): every failure names its key.
            Error("Configuration: " + string.Join(" ", ex.Failures));
            return ExitCodes.Usage;
        }
        catch (CommandFailedException ex)
        {
            Error(ex.Message);
            return ExitCodes.Failed;
        }
        catch (DuckDBException ex)
        {
            Error(ex.Message);
            return ExitCodes.Failed;
        }
        catch (ObjectStoreException ex)
        {
            Error($"Storage: {ex.Message}");
            return ExitCodes.Failed;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Error("Cancelled.");
            return ExitCodes.Cancelled;
        }
        catch (Exception ex)
        {
            Error($"{name} failed: {ex.Message} ({ex.GetType().Name})");
            if (parse.GetValue(Globals.Verbose))
            {
                ErrWriter.WriteLine(ex.ToString());
            }

            return ExitCodes.Failed;
        }
    }

    /// <summary>Writes "error: message" to stderr; the message is written as is (no markup, no wrapping).</summary>
    public void Error(string message)
    {
        Err.Markup("[red]error:[/] ");
        ErrWriter.WriteLine(message);
    }

    /// <summary>Writes a plain line to stderr (no markup, no wrapping).</summary>
    public void Note(string message) => ErrWriter.WriteLine(message);

    private static string CommandPath(ParseResult parse)
    {
        var names = new List<string>();
        for (var result = parse.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
        {
            if (result.Parent is not null)
            {
                names.Insert(0, result.Command.Name);
            }
        }

        return string.Join(' ', names);
    }

    private static IAnsiConsole CreateConsole(TextWriter writer, bool terminal, bool forced)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = forced ? AnsiSupport.Yes : terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = forced ? ColorSystemSupport.Standard : terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = forced ? InteractionSupport.Yes : terminal ? InteractionSupport.Detect : InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        if (!terminal)
        {
            // Redirected or captured: never wrap (tables size to their content; long lines stay whole for grep).
            console.Profile.Width = 240;
        }

        return console;
    }
}
