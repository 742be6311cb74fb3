using System.Diagnostics;
using System.Globalization;

namespace LensAI.Benchmarks;

/// <summary>
/// A plain loop of calls for profilers (<c>dotnet-trace</c>, <c>dotnet-counters</c>) and for what BenchmarkDotNet
/// does not see: CPU spent off the caller's thread (the shipping side) and thread-pool work items per call.
/// Prints, per call: wall time, process CPU time, thread-pool work items completed, bytes allocated (all threads).
/// </summary>
internal static class HotPathProfile
{
    public static async Task RunAsync(string variant, int calls)
    {
        var transport = variant.StartsWith("sockets", StringComparison.Ordinal) ? Transport.Sockets : Transport.InMemory;
        using var call = new HttpCall(transport);
        call.Setup();
        Func<Task<int>> run = variant.EndsWith("untracked", StringComparison.Ordinal) ? call.UntrackedAsync : call.TrackedAsync;
        for (var i = 0; i < 20_000; i++)
        {
            await run(); // warm up: JIT tiers, pools, the batcher's first batches
        }

        await Task.Delay(100);
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpu = process.TotalProcessorTime;
        var items = ThreadPool.CompletedWorkItemCount;
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < calls; i++)
        {
            await run();
        }

        var wall = clock.Elapsed;
        await Task.Delay(100); // let the batcher finish the last batch: its CPU counts too
        process.Refresh();
        var cpuUsed = process.TotalProcessorTime - cpu - TimeSpan.FromTicks(0);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{variant}: {calls:N0} calls, wall {wall.TotalMicroseconds / calls:0.00} µs/call, process CPU {cpuUsed.TotalMicroseconds / calls:0.00} µs/call, " +
            $"thread-pool work items {(ThreadPool.CompletedWorkItemCount - items) / (double)calls:0.0000}/call, allocated {(GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)calls:0} B/call"));
    }
}
