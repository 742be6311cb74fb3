// LensAI on an IChatClient: a streamed answer printed token by token with the usage LensAI captured, then a budget
// that blocks gpt-4o and the middleware answering with gpt-4o-mini instead. ExtensionsAISample.cs is the walkthrough
// (with how Semantic Kernel uses the same client); OpenAICompatibleChatClient.cs is a small IChatClient for OpenAI's API.
using LensAI.Samples.ExtensionsAI;

await ExtensionsAISample.RunAsync(args, Console.Out);
