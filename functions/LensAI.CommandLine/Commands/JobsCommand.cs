using System.CommandLine;
using System.Diagnostics;
using LensAI.Backend.Jobs;
using LensAI.Cli.Rendering;
using Spectre.Console;

namespace LensAI.Cli.Commands;

/// <summary><c>jobs run &lt;name&gt;</c> and <c>jobs list</c>: the backend's timer jobs, on demand.</summary>
internal static class JobsCommand
{
    public static Command Create(CliContext context)
    {
        var names = JobRegistry.All.Select(j => j.Name).ToArray();
        var name = new Argument<string>("job") { Description = "The job: " + string.Join(", ", names) + "." };
        name.AcceptOnlyFromAmong(names);
        var run = new Command("run", "Run one job now, under its storage lease (exit code 1 when another instance holds it).") { name };
        context.SetBackendAction(run, async (parse, backend, ct) =>
        {
            backend.EnsureData();
            var job = parse.GetRequiredValue(name);
            var runner = backend.Get<JobRunner>();
            if (!runner.TryGet(job, out _))
            {
                throw new CommandFailedException(job == "stripe-sync"
                    ? "stripe-sync is not configured: set LensAI:Backend:Stripe:ApiKey and LensAI:Backend:Stripe:MeterEventName (see docs/stripe.md)."
                    : $"The backend has no job '{job}'.");
            }

            if (!context.Err.Profile.Capabilities.Interactive)
            {
                context.Note($"Running {job} on {backend.StorageDescription}…"); // on a terminal, a spinner says so
            }

            var started = Stopwatch.GetTimestamp();
            JobResult? result = null;
            await context.Err.Status().Spinner(Spinner.Known.Dots).StartAsync($"Running {Markup.Escape(job)} on {Markup.Escape(backend.StorageDescription)}…", async _ =>
            {
                result = await runner.RunAsync(job, ct).ConfigureAwait(false);
            }).ConfigureAwait(false);
            if (result is null)
            {
                throw new CommandFailedException($"{job} is running in another instance (its lease is held); try again later.");
            }

            var elapsed = Stopwatch.GetElapsedTime(started);
            context.Out.MarkupLineInterpolated($"[green]✓[/] {job} ({elapsed.TotalSeconds:0.0} s): {result.Summary}");
            foreach (var line in result.Log)
            {
                context.OutWriter.WriteLine("  " + line);
            }

            return ExitCodes.Ok;
        });

        var list = new Command("list", "List the jobs with their schedules (NCRONTAB, UTC: the same in the in-process scheduler and the Azure Functions timers).");
        context.SetBackendAction(list, (_, backend, _) =>
        {
            var runner = backend.Get<JobRunner>();
            var table = new Table().RoundedBorder().Title("Jobs");
            table.AddColumns("Job", "Schedule", "When", "What");
            foreach (var job in JobRegistry.All)
            {
                table.AddRow(
                    new Text(job.Name),
                    new Text(job.Schedule),
                    runner.TryGet(job.Name, out _) ? new Text(job.When) : new Markup("[grey]not configured[/]"),
                    new Text(job.Description));
            }

            context.Out.Write(table);
            return Task.FromResult(ExitCodes.Ok);
        });

        return new Command("jobs", "Run the backend's jobs: compaction, rollups, budget check, retention, Stripe usage sync.") { run, list };
    }
}
