using BenchmarkDotNet.Running;
using LensAI.Benchmarks;

// dotnet run -c Release --project tests/LensAI.Benchmarks -- --filter '*'
// dotnet run -c Release --project tests/LensAI.Benchmarks -- outage [calls per second, 0 = unpaced] [seconds] [callers]
// dotnet run -c Release --project tests/LensAI.Benchmarks -- hotpath <inmemory-untracked|inmemory-lensai|sockets-untracked|sockets-lensai> [calls]
if (args.Length > 0 && args[0] == "outage")
{
    await OutageSoak.RunAsync(
        args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 5_000,
        args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 120,
        args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 1);
    return;
}

if (args.Length > 1 && args[0] == "hotpath")
{
    await HotPathProfile.RunAsync(args[1], args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 500_000);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
