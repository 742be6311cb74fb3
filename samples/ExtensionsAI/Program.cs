// LensAI on an IChatClient: a streamed answer printed token by token with the usage LensAI captured, then a budget
// that blocks gpt-4o and the middleware answering with gpt-4o-mini instead. ExtensionsAISample.cs is the walkthrough; the
// IChatClient is the OpenAI SDK's (Microsoft.Extensions.AI.OpenAI's AsIChatClient). Semantic Kernel: samples/SemanticKernel.
using LensAI.Samples.ExtensionsAI;

await ExtensionsAISample.RunAsync(args, Console.Out);
