// LensAI on a Semantic Kernel: builder.AddLensAI(lens) records every model call the kernel makes, attributed to the
// plugin and function it was made for, then the cost per plugin and function is read back from the Parquet the
// backend wrote. SemanticKernelSample.cs is the walkthrough.
using LensAI.Samples.SemanticKernel;

await SemanticKernelSample.RunAsync(args, Console.Out);
