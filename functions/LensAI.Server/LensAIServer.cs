using LensAI.Backend.Budgets;
using LensAI.Backend.Http;
using LensAI.Backend.Jobs;
using LensAI.Backend.Keys;
using LensAI.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LensAI.Server;

/// <summary>
/// The ASP.NET Core host of the backend: the embedded default (<c>127.0.0.1:5080</c>, local-folder storage, DuckDB in
/// process, the in-process job scheduler) and the container image. Also built in process by the quickstart, the CLI,
/// the samples and tests. The Azure Functions deployment is the isolated worker in <c>functions/LensAI.Functions</c>,
/// built from the same composition root (<c>AddLensAIBackend</c>) and the same endpoint handlers.
/// </summary>
public static class LensAIServer
{
    public static async Task<int> RunAsync(string[] args)
    {
        var command = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : "serve";
        var rest = args.Length > 0 && !args[0].StartsWith('-') ? args[1..] : args;
        switch (command)
        {
            case "serve":
                await using (var app = Build(rest))
                {
                    await app.RunAsync().ConfigureAwait(false);
                }

                return 0;
            case "keys":
                return await KeysCommandAsync(rest).ConfigureAwait(false);
            case "budgets":
                return await BudgetsCommandAsync(rest).ConfigureAwait(false);
            case "jobs":
                return await JobsCommandAsync(rest).ConfigureAwait(false);
            default:
                await Console.Error.WriteLineAsync($"Unknown command '{command}'. Commands: serve, keys create|list|revoke, budgets set|list, jobs run <name>.").ConfigureAwait(false);
                return 2;
        }
    }

    /// <summary>Builds the app (<see cref="LensAIBackendApp.Build"/>): backend services, endpoints, and where it listens.</summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null) => LensAIBackendApp.Build(args, configure);

    /// <summary>
    /// Logging for the one-shot commands: warnings and errors only, all on stderr, so stdout carries nothing but the
    /// command's output (<c>KEY=$(… keys create …)</c> gets the key and nothing else).
    /// </summary>
    private static void CommandLogging(WebApplicationBuilder builder)
    {
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
    }

    private static string? Option(string[] args, string name)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }

    private static async Task<int> BudgetsCommandAsync(string[] args)
    {
        const string Usage = "Usage: budgets set --project <id> --file <budgets.json> | budgets list --project <id>";
        var project = Option(args, "--project");
        if (args.Length == 0 || !ApiKeyStore.IsValidProjectId(project))
        {
            await Console.Error.WriteLineAsync(Usage).ConfigureAwait(false);
            return 2;
        }

        await using var app = Build([.. args.Skip(1).Where(a => a is not ("--project" or "--file") && a != project && a != Option(args, "--file")), "--LensAI:Backend:RunScheduler", "false"], CommandLogging);
        var budgets = app.Services.GetRequiredService<BudgetStore>();
        switch (args[0])
        {
            case "set":
                var path = Option(args, "--file");
                if (path is null || !File.Exists(path))
                {
                    await Console.Error.WriteLineAsync($"budgets set needs --file <budgets.json>; '{path}' does not exist.").ConfigureAwait(false);
                    return 2;
                }

                try
                {
                    var file = BudgetStore.Parse(await File.ReadAllBytesAsync(path).ConfigureAwait(false));
                    await budgets.SetBudgetsAsync(project!, file, "cli:" + Environment.UserName, CancellationToken.None).ConfigureAwait(false);
                    await app.Services.GetRequiredService<BudgetCheckJob>().CheckProjectAsync(project!, CancellationToken.None).ConfigureAwait(false);
                    await Console.Error.WriteLineAsync($"Set {file.Budgets.Count} budget(s) for '{project}'.").ConfigureAwait(false);
                    return 0;
                }
                catch (BudgetValidationException ex)
                {
                    foreach (var (pointer, message) in ex.Errors)
                    {
                        await Console.Error.WriteLineAsync($"{path}{pointer}: {message}").ConfigureAwait(false);
                    }

                    return 1;
                }

            case "list":
                var current = await budgets.GetBudgetsAsync(project!, CancellationToken.None).ConfigureAwait(false) ?? new BudgetFile();
                Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(current, BudgetJsonContext.Default.BudgetFile));
                return 0;
            default:
                await Console.Error.WriteLineAsync(Usage).ConfigureAwait(false);
                return 2;
        }
    }

    private static async Task<int> JobsCommandAsync(string[] args)
    {
        if (args.Length < 2 || args[0] != "run")
        {
            await Console.Error.WriteLineAsync("Usage: jobs run <compaction|rollups|budget-check|retention|stripe-sync>").ConfigureAwait(false);
            return 2;
        }

        await using var app = Build([.. args[2..], "--LensAI:Backend:RunScheduler", "false"], CommandLogging);
        var runner = app.Services.GetRequiredService<JobRunner>();
        if (!runner.TryGet(args[1], out _))
        {
            await Console.Error.WriteLineAsync($"Unknown job '{args[1]}'. Jobs: {string.Join(", ", runner.Jobs.Select(j => j.Definition.Name).Order())}.").ConfigureAwait(false);
            return 2;
        }

        var result = await runner.RunAsync(args[1], CancellationToken.None).ConfigureAwait(false);
        if (result is null)
        {
            await Console.Error.WriteLineAsync($"{args[1]} is running in another instance (lease held); try again later.").ConfigureAwait(false);
            return 1;
        }

        Console.WriteLine(result.Summary);
        foreach (var line in result.Log)
        {
            Console.WriteLine("  " + line);
        }

        return 0;
    }

    private static async Task<int> KeysCommandAsync(string[] args)
    {
        if (args.Length == 0)
        {
            await Console.Error.WriteLineAsync("Usage: keys create --project <id> [--name <text>] | keys list [--project <id>] | keys revoke <prefix>").ConfigureAwait(false);
            return 2;
        }

        await using var app = Build(args[1..], CommandLogging);
        var keys = app.Services.GetRequiredService<ApiKeyStore>();
        string? Option(string name)
        {
            var at = Array.IndexOf(args, name);
            return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
        }

        switch (args[0])
        {
            case "create":
                var project = Option("--project");
                if (!ApiKeyStore.IsValidProjectId(project))
                {
                    await Console.Error.WriteLineAsync("keys create needs --project <id>: 1–63 lowercase letters, digits, '-' or '_'.").ConfigureAwait(false);
                    return 2;
                }

                var created = await keys.CreateAsync(project!, Option("--name"), CancellationToken.None).ConfigureAwait(false);
                Console.WriteLine(created.Key);
                await Console.Error.WriteLineAsync($"Created key {created.Record.Prefix} for project '{project}'. It is shown once; LensAI stores only its SHA-256 hash.").ConfigureAwait(false);
                return 0;
            case "list":
                foreach (var record in await keys.ListAsync(Option("--project"), CancellationToken.None).ConfigureAwait(false))
                {
                    Console.WriteLine($"{record.Prefix}  {record.Project,-20} {record.Created:yyyy-MM-dd HH:mm}  {(record.Revoked is null ? "active" : $"revoked {record.Revoked:yyyy-MM-dd}")}  {record.Name}");
                }

                return 0;
            case "revoke" when args.Length > 1:
                // Given a whole key by mistake, say only its prefix: the secret part never reaches a terminal log.
                var prefix = args[1].StartsWith("lsk_", StringComparison.Ordinal) && args[1].Split('_') is { Length: >= 2 } parts ? parts[1] : args[1];
                var revoked = await keys.RevokeAsync(prefix, CancellationToken.None).ConfigureAwait(false);
                await Console.Error.WriteLineAsync(revoked ? $"Revoked {prefix}." : $"No active key with prefix {prefix}.").ConfigureAwait(false);
                return revoked ? 0 : 1;
            default:
                await Console.Error.WriteLineAsync("Usage: keys create --project <id> [--name <text>] | keys list [--project <id>] | keys revoke <prefix>").ConfigureAwait(false);
                return 2;
        }
    }
}
