using System.Diagnostics;
using System.Globalization;
using LensAI.Backend.Jobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LensAI.Backend.Benchmarks;

/// <summary>
/// A job-runner process of the scale-out run (this program's <c>scale-jobs</c> mode): the backend built by the one
/// composition root (<c>AddLensAIBackend</c>, configured by the same <c>--LensAI:Backend:…</c> arguments as the server)
/// whose <see cref="JobRunner"/> is invoked like the Azure Functions timer triggers invoke it — each job on its own
/// timer, under its storage lease — only on short timers: the budget check every <c>ScaleJobs:BudgetCheckMs</c>,
/// compaction and rollups every <c>ScaleJobs:OtherJobsMs</c>. It prints <c>READY &lt;pid&gt;</c> once built, then
/// <c>RAN &lt;job&gt; &lt;ms&gt;</c>, <c>SKIPPED &lt;job&gt;</c> (another instance holds the lease) or
/// <c>FAILED &lt;job&gt; …</c> per run, and runs until killed.
/// </summary>
internal static class ScaleOutJobHost
{
    public static async Task<int> RunAsync(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.Logging.ClearProviders().AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddLensAIBackend(builder.Configuration);
        using var host = builder.Build();
        var runner = host.Services.GetRequiredService<JobRunner>();
        var budgetCheck = TimeSpan.FromMilliseconds(builder.Configuration.GetValue("ScaleJobs:BudgetCheckMs", 500));
        var others = TimeSpan.FromMilliseconds(builder.Configuration.GetValue("ScaleJobs:OtherJobsMs", 3000));
        Console.WriteLine("READY " + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        await Task.WhenAll(
            LoopAsync(runner, JobRegistry.BudgetCheckName, budgetCheck),
            LoopAsync(runner, JobRegistry.CompactionName, others),
            LoopAsync(runner, JobRegistry.RollupsName, others));
        return 0;
    }

    private static async Task LoopAsync(JobRunner runner, string job, TimeSpan every)
    {
        while (true)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                var result = await runner.RunAsync(job, CancellationToken.None);
                Console.WriteLine(result is null ? $"SKIPPED {job}" : string.Create(CultureInfo.InvariantCulture, $"RAN {job} {Stopwatch.GetElapsedTime(started).TotalMilliseconds:0}"));
                foreach (var line in result?.Log ?? [])
                {
                    Console.WriteLine($"  {job}: {line}");
                }
            }
            catch (Exception ex)
            {
                Console.WriteLine($"FAILED {job} {ex.GetType().Name}: {ex.Message.ReplaceLineEndings(" ")}");
            }

            await Task.Delay(every);
        }
    }
}
