using BenchmarkDotNet.Running;
using LensAI.Benchmarks;

// dotnet run -c Release --project tests/LensAI.Benchmarks -- --filter '*'
// dotnet run -c Release --project tests/LensAI.Benchmarks -- outage [calls]
// dotnet run -c Release --project tests/LensAI.Benchmarks -- hotpath <inmemory-untracked|inmemory-lensai|sockets-untracked|sockets-lensai> [calls]
if (args.Length > 0 && args[0] == "outage")
{
    await OutageSoak.RunAsync(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 600_000);
    return;
}

if (args.Length > 1 && args[0] == "hotpath")
{
    await HotPathProfile.RunAsync(args[1], args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 500_000);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
