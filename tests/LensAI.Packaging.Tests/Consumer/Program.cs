// A consumer of the LensAI packages, built from the packed .nupkg files in a folder outside the repository by
// LensAI.Packaging.Tests. It wraps three clients in one line each, makes one call through each against a local
// OpenAI-compatible stub, flushes, and prints the events it recorded.
using System.ClientModel;
using System.Text;
using LensAI;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenAI.Chat;

var openAIBase = new Uri(Required("CONSUMER_OPENAI_BASE_URL")); // http://127.0.0.1:<port>/v1
var options = new LensAIOptions
{
    Endpoint = new Uri(Required("LENSAI_ENDPOINT")),
    ApiKey = Required("LENSAI_API_KEY"),
    SpoolDirectory = Required("CONSUMER_SPOOL_DIRECTORY"),
    MaxBatchDelay = TimeSpan.FromMilliseconds(100),
};
options.OpenAICompatibleEndpoints.Add(new OpenAICompatibleEndpoint { BaseUrl = openAIBase, Provider = "openai" });

var recorded = new List<UsageEvent>();
await using var lens = LensAIClient.Create(options);
lens.Recorded += (_, e) =>
{
    lock (recorded)
    {
        recorded.Add(e);
    }
};

using (lens.BeginScope(userId: "consumer-user", route: "POST /consumer"))
{
    // The OpenAI .NET SDK (package LensAI.OpenAI).
    var chat = new ChatClient("gpt-4o-mini", new ApiKeyCredential("sk-stub"), new OpenAIClientOptions { Endpoint = openAIBase }.UseLensAI(lens));
    ChatCompletion completion = await chat.CompleteChatAsync("Say hello.");
    Console.WriteLine($"openai sdk: {completion.Content[0].Text}");

    // Any HttpClient (package LensAI).
    using var http = lens.CreateHttpClient();
    using var body = new StringContent("""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hi"}]}""", Encoding.UTF8, "application/json");
    using var response = await http.PostAsync(new Uri(openAIBase.AbsoluteUri.TrimEnd('/') + "/chat/completions"), body);
    Console.WriteLine($"httpclient: {(int)response.StatusCode}, {(await response.Content.ReadAsStringAsync()).Length} bytes");

    // Microsoft.Extensions.AI's IChatClient (package LensAI.Extensions.AI).
    IChatClient chatClient = new FixedChatClient().UseLensAI(lens, o => o.ProviderName = "openai");
    var answer = await chatClient.GetResponseAsync("Hello");
    Console.WriteLine($"ichatclient: {answer.Text}");
}

var shipped = await lens.FlushAsync(TimeSpan.FromSeconds(30));
lock (recorded)
{
    foreach (var e in recorded)
    {
        Console.WriteLine($"EVENT {e.EventId} {e.Provider} {e.Model} {e.Status} {e.TokensIn} {e.TokensOut} {e.CostUsd} {e.Sdk}");
    }

    Console.WriteLine($"shipped: {shipped}, recorded: {recorded.Count}");
    return shipped && recorded.Count == 3 ? 0 : 1;
}

static string Required(string name) =>
    Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : throw new InvalidOperationException($"Set {name}.");

/// <summary>A chat client that answers every call with the same message and usage, as a provider's client would.</summary>
internal sealed class FixedChatClient : IChatClient
{
    public Task<ChatResponse> GetResponseAsync(IEnumerable<Microsoft.Extensions.AI.ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        Task.FromResult(new ChatResponse(new Microsoft.Extensions.AI.ChatMessage(ChatRole.Assistant, "Hello from a fixed client."))
        {
            ModelId = "gpt-4o-mini-2024-07-18",
            Usage = new UsageDetails { InputTokenCount = 12, OutputTokenCount = 7, TotalTokenCount = 19 },
        });

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<Microsoft.Extensions.AI.ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}
