using System.CommandLine;
using LensAI.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Spectre.Console;

namespace LensAI.Cli.Commands;

/// <summary><c>serve</c>: the backend as the embedded default (ingest, budgets status, export, report, jobs on a scheduler).</summary>
internal static class ServeCommand
{
    public static Command Create(CliContext context)
    {
        var urls = new Option<string?>("--urls")
        {
            Description = $"Where to listen (default {LensAIBackendApp.DefaultUrl}; port 0 picks a free one). Semicolon-separated for several.",
            HelpName = "urls",
        };
        var noJobs = new Option<bool>("--no-jobs") { Description = "Do not run the timer jobs (compaction, rollups, budget check…) on the in-process scheduler." };
        var serve = new Command("serve", "Run the LensAI backend (the backend's embedded default) until Ctrl+C.") { urls, noJobs };
        serve.SetAction((parse, cancellationToken) => context.RunAsync(parse, async ct =>
        {
            var settings = context.Settings(parse) with { Urls = parse.GetValue(urls) };
            if (parse.GetValue(noJobs))
            {
                settings = settings with { Config = [.. settings.Config, "LensAI:Backend:RunScheduler=false"] };
            }

            await using var backend = BackendSession.Open(settings, serve: true);
            await backend.App.StartAsync(ct).ConfigureAwait(false);
            var scheduler = backend.Options.RunScheduler ? "jobs on the in-process scheduler" : "no scheduled jobs";
            context.Out.MarkupLineInterpolated($"[green]LensAI backend[/] listening on {string.Join(", ", backend.App.Urls)}");
            context.Out.MarkupLineInterpolated($"[grey]Storage {backend.StorageDescription}; {scheduler}. Ctrl+C to stop.[/]");
            await backend.App.WaitForShutdownAsync(ct).ConfigureAwait(false);
            return ExitCodes.Ok;
        }, cancellationToken));
        return serve;
    }
}
