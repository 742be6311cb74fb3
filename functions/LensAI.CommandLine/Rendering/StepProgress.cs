using Spectre.Console;

namespace LensAI.Cli.Rendering;

/// <summary>
/// Progress over a known number of steps, on stderr: a live Spectre progress bar on a terminal; elsewhere (a pipe, a
/// log, a test) one plain line per step, <c>[2/5] label</c>, so long work still shows where it is.
/// </summary>
internal sealed class StepProgress
{
    private readonly ProgressTask? _task;
    private readonly TextWriter? _plain;
    private readonly int _total;
    private int _done;

    private StepProgress(ProgressTask? task, TextWriter? plain, int total)
    {
        _task = task;
        _plain = plain;
        _total = total;
    }

    /// <summary>Runs <paramref name="body"/> with a progress of <paramref name="total"/> steps titled <paramref name="title"/>.</summary>
    public static async Task RunAsync(CliContext context, string title, int total, Func<StepProgress, Task> body)
    {
        total = Math.Max(0, total);
        if (!context.Err.Profile.Capabilities.Interactive)
        {
            context.Note($"{title}: {total} step(s)");
            await body(new StepProgress(null, context.ErrWriter, total)).ConfigureAwait(false);
            return;
        }

        await context.Err.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .StartAsync(async progress =>
            {
                var task = progress.AddTask(Markup.Escape(title), maxValue: Math.Max(1, total));
                await body(new StepProgress(task, null, total)).ConfigureAwait(false);
                task.Description = Markup.Escape(title);
                task.Value = task.MaxValue;
            }).ConfigureAwait(false);
    }

    /// <summary>Says which step is running now.</summary>
    public void Begin(string label)
    {
        if (_task is not null)
        {
            _task.Description = Markup.Escape(label);
        }
        else
        {
            _plain!.WriteLine($"[{_done + 1}/{_total}] {label}");
        }
    }

    /// <summary>Marks the current step done.</summary>
    public void Done()
    {
        _done++;
        _task?.Increment(1);
    }
}
