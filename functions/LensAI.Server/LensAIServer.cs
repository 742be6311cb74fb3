using LensAI.Hosting;
using Microsoft.AspNetCore.Builder;

namespace LensAI.Server;

/// <summary>
/// The server executable: the ASP.NET Core app of the backend (<see cref="LensAIBackendApp"/>: the embedded default on
/// <c>127.0.0.1:5080</c>, and the container image). Its admin commands are the <c>lensai</c> tool's own: <c>keys</c>,
/// <c>budgets</c> and <c>jobs</c> are handed to the same command line (one parser, one output), so
/// <c>LensAI.Server keys create --project acme</c> and <c>lensai keys create --project acme</c> are the same command.
/// </summary>
internal static class LensAIServer
{
    /// <summary>The commands forwarded to the <c>lensai</c> command line.</summary>
    public static IReadOnlyList<string> AdminCommands { get; } = ["keys", "budgets", "jobs"];

    /// <summary>Runs <c>serve</c> (the default: ASP.NET Core arguments such as <c>--urls</c> and <c>--LensAI:Backend:…</c>) or an admin command.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var command = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : "serve";
        if (AdminCommands.Contains(command))
        {
            return await LensAI.Cli.Cli.RunAsync(args).ConfigureAwait(false);
        }

        if (command != "serve")
        {
            await Console.Error.WriteLineAsync($"Unknown command '{command}'. Commands: serve (the default), {string.Join(", ", AdminCommands)} (as in lensai; add --help).").ConfigureAwait(false);
            return LensAI.Cli.ExitCodes.Usage;
        }

        await using var app = LensAIBackendApp.Build(args.Length > 0 && args[0] == "serve" ? args[1..] : args);
        await app.RunAsync().ConfigureAwait(false);
        return LensAI.Cli.ExitCodes.Ok;
    }
}
