using LensAI.Testing;

namespace LensAI.Backend.Benchmarks;

/// <summary>
/// The <c>scale-out</c> benchmark: <see cref="ScaleOutRun"/> with 4 ingest and 2 job-runner processes, on a local
/// folder and on S3 (s3rver on loopback), printing what each run measured.
/// </summary>
internal static class ScaleOutBenchmark
{
    public static async Task RunAsync(int batchesPerProject, string? store)
    {
        Console.WriteLine($"scale-out: 4 ingest + 2 job-runner processes, 4 projects × {batchesPerProject} batches × 500 events, kill -9 of one ingest process at 30 % and of the job runner holding a lease at 50 %; {Environment.ProcessorCount} cores");
        foreach (var name in store is null ? ["local", "s3"] : new[] { store })
        {
            var settings = new ScaleOutSettings { BatchesPerProject = batchesPerProject, StoreName = name, Log = line => Console.WriteLine("  " + line) };
            ScaleOutResult result;
            if (name == "s3")
            {
                await using var s3 = await S3rver.StartAsync();
                result = await ScaleOutRun.RunAsync(settings with { Storage = S3rver.BackendSettings(s3) });
            }
            else
            {
                result = await ScaleOutRun.RunAsync(settings);
            }

            Console.WriteLine(result.ToString());
        }
    }
}
