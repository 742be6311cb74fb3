using System.CommandLine;

namespace LensAI.Cli;

/// <summary>Options every command takes (recursive: they may come before or after the command).</summary>
internal sealed class GlobalOptions
{
    public Option<string?> Data { get; } = new("--data")
    {
        Description = "Folder of the local store (default .lensai/data under the current folder). Ignored when storage is S3 or Azure Blob.",
        HelpName = "folder",
        Recursive = true,
    };

    public Option<string[]> Config { get; } = new("--config")
    {
        Description = "A configuration value KEY=VALUE, as in appsettings or LensAI__… environment variables (e.g. LensAI:Backend:Storage:Kind=S3). Repeatable.",
        HelpName = "key=value",
        Recursive = true,
        Arity = ArgumentArity.ZeroOrMore,
    };

    public Option<bool> Verbose { get; } = new("--verbose")
    {
        Description = "Log the backend's messages to stderr and print stack traces of unexpected errors.",
        Recursive = true,
    };
}
