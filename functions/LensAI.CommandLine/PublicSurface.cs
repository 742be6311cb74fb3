using System.Diagnostics.CodeAnalysis;

// The lensai command line's public surface: its one entry point and its exit codes, which the lensai tool
// (../LensAI.Cli) and the server executable (../LensAI.Server, forwarding keys, budgets and jobs) call. CA1515 is on
// for functions/ (functions/.editorconfig); every command is internal.
[assembly: SuppressMessage("Maintainability", "CA1515:Consider making public types internal", Scope = "type", Target = "~T:LensAI.Cli.Cli", Justification = "The command line's entry point, called by the lensai tool and the server executable.")]
[assembly: SuppressMessage("Maintainability", "CA1515:Consider making public types internal", Scope = "type", Target = "~T:LensAI.Cli.ExitCodes", Justification = "The exit codes the command line documents (docs/cli.md).")]
