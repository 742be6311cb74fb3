using System.CommandLine;
using System.Diagnostics;
using LensAI.Backend.Jobs;
using LensAI.Cli.Rendering;
using Spectre.Console;

namespace LensAI.Cli.Commands;

/// <summary><c>jobs run &lt;name&gt;</c> and <c>jobs list</c>: the backend's timer jobs, on demand.</summary>
internal static class JobsCommand
{
    /// <summary>Every job the backend has (stripe-sync only when Stripe is configured).</summary>
    public static readonly string[] Names = ["compaction", "rollups", "budget-check", "retention", "stripe-sync"];

    public static Command Create(CliContext context)
    {
        var name = new Argument<string>("job") { Description = "The job: " + string.Join(", ", Names) + "." };
        name.AcceptOnlyFromAmong(Names);
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

        var list = new Command("list", "List the jobs with their schedules.");
        context.SetBackendAction(list, (_, backend, _) =>
        {
            var jobs = backend.Get<JobRunner>().Jobs.ToDictionary(j => j.Name, StringComparer.Ordinal);
            var table = new Table().RoundedBorder().Title("Jobs");
            table.AddColumns("Job", "Every (embedded default)", "Schedule (Azure Functions timer)");
            foreach (var n in Names)
            {
                table.AddRow(jobs.TryGetValue(n, out var job)
                    ? [new Text(n), new Text(Every(job.Interval)), new Text(job.Schedule)]
                    : [new Text(n), new Markup("[grey]not configured[/]"), new Text("")]);
            }

            context.Out.Write(table);
            return Task.FromResult(ExitCodes.Ok);
        });

        return new Command("jobs", "Run the backend's jobs: compaction, rollups, budget check, retention, Stripe usage sync.") { run, list };
    }

    private static string Every(TimeSpan interval) => interval.TotalHours >= 1 && interval.TotalHours % 1 == 0
        ? Format.Count((long)interval.TotalHours) + " h"
        : interval.TotalMinutes >= 1 && interval.TotalMinutes % 1 == 0 ? Format.Count((long)interval.TotalMinutes) + " min" : Format.Count((long)interval.TotalSeconds) + " s";
}
