using BenchmarkDotNet.Running;

// dotnet run -c Release --project tests/LensAI.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
