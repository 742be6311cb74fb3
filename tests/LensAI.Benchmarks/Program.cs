using BenchmarkDotNet.Running;
using LensAI.Benchmarks;

// dotnet run -c Release --project tests/LensAI.Benchmarks -- --filter '*'
// dotnet run -c Release --project tests/LensAI.Benchmarks -- outage [calls]
if (args.Length > 0 && args[0] == "outage")
{
    await OutageSoak.RunAsync(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 600_000);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
