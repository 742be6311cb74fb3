// LensAI quickstart: wrap the OpenAI SDK in one line, make calls for a few users and routes, and see what they cost —
// from the Parquet the backend wrote. QuickstartSample.cs is the walkthrough.
using Quickstart;

return await QuickstartSample.RunAsync(args, Console.Out);
