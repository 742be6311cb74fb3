using System.ClientModel;
using System.ClientModel.Primitives;
using System.ComponentModel;
using LensAI.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;
using OpenAI;

namespace LensAI.SemanticKernel.Tests;

/// <summary>
/// <c>builder.AddLensAI(lens)</c> on a real <see cref="Kernel"/> whose chat service talks to an OpenAI-compatible server on
/// loopback: every model call is one event with the recorded usage and its catalogue cost, attributed to its plugin
/// and function, whichever way the chat service was registered.
/// </summary>
public sealed class KernelCaptureTests : IAsyncLifetime
{
    private const string Basic = "openai/chat-completion-basic.json";         // gpt-4o-mini-2024-07-18, 11 in, 9 out
    private const string Reasoning = "openai/chat-completion-reasoning.json"; // o3-mini-2025-01-31, 34 in, 863 out (128 reasoning)
    private const string Stream = "openai/chat-stream-include-usage.sse";     // gpt-4o-2024-08-06, 26 in, 10 out

    // Catalogue prices per million tokens (sdk/LensAI.Contract/Pricing/prices.json): gpt-4o-mini $0.15 in / $0.60 out,
    // o3-mini $1.10 / $4.40, gpt-4o $2.50 / $10.00.
    private const decimal BasicCost = 0.00000705m;      // 11 × 0.15 + 9 × 0.60, per million
    private const decimal ReasoningCost = 0.0038346m;   // 34 × 1.10 + 863 × 4.40 (reasoning is output), per million
    private const decimal StreamCost = 0.000165m;       // 26 × 2.50 + 10 × 10.00, per million
    private const decimal ToolCallCost = 0.0000228m;    // 80 × 0.15 + 18 × 0.60, per million

    private static readonly ToolCallUsage s_toolCall = new("chatcmpl-sk-tool-1", "gpt-4o-mini-2024-07-18", 80, 18);

    private ScriptedOpenAI _openAI = null!;
    private TestLens _test = null!;

    public async Task InitializeAsync()
    {
        _openAI = await ScriptedOpenAI.StartAsync();
        _test = new TestLens(o => o.OpenAICompatibleEndpoints.Add(new OpenAICompatibleEndpoint { BaseUrl = _openAI.V1, Provider = "openai" }));
    }

    public async Task DisposeAsync()
    {
        await _test.DisposeAsync();
        await _openAI.DisposeAsync();
    }

    private LensAIClient Lens => _test.Lens;

    private List<UsageEvent> Events => [.. _test.Events];

    [Fact]
    public async Task Inline_prompt_through_the_OpenAI_connector_is_one_event_with_the_recorded_usage_and_cost()
    {
        _openAI.ThenFixture(Basic);
        var builder = Kernel.CreateBuilder();
        builder.AddOpenAIChatCompletion("gpt-4o-mini", _openAI.V1, "sk-test");
        builder.AddLensAI(Lens);
        var kernel = builder.Build();

        var answer = await kernel.InvokePromptAsync("Say hello.");

        Assert.Equal("Hello! How can I assist you today?", answer.ToString());
        var e = Assert.Single(Events);
        AssertCall(e, Basic, BasicCost, LensAIKernelMetadata.NoPlugin, LensAIKernelMetadata.InlinePrompt);
        Assert.Equal(200, e.HttpStatus); // captured on the wire
        Assert.Single(_openAI.Requests);
    }

    [Fact]
    public async Task Without_AddLensAI_the_connector_bypasses_LensAI()
    {
        // The gap AddLensAI closes: SK's connector makes its own HTTP calls, so a UseLensAI'd IChatClient never sees them.
        _openAI.ThenFixture(Basic);
        var builder = Kernel.CreateBuilder();
        builder.AddOpenAIChatCompletion("gpt-4o-mini", _openAI.V1, "sk-test");
        var kernel = builder.Build();

        await kernel.InvokePromptAsync("Say hello.");

        Assert.Single(_openAI.Requests);
        Assert.Empty(Events);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Auto_function_calling_through_the_connector_records_each_model_call_once_attributed_to_its_function(bool addLensAIFirst)
    {
        ScriptTripWithNestedForecast();
        var builder = Kernel.CreateBuilder();
        if (addLensAIFirst)
        {
            builder.AddLensAI(Lens); // connectors take the kernel's HttpClient when they are built: the order does not matter
        }

        builder.AddOpenAIChatCompletion("gpt-4o-mini", _openAI.V1, "sk-test");
        if (!addLensAIFirst)
        {
            builder.AddLensAI(Lens);
        }

        var kernel = AddTripPlugins(builder).Build();

        await AssertTripAsync(kernel);
    }

    [Fact]
    public async Task Auto_function_calling_through_SKs_IChatClient_service_on_LensAIs_HttpClient_records_each_model_call_once()
    {
        // SK's AddOpenAIChatClient with a custom endpoint makes an HttpClient of its own unless it is given one.
        ScriptTripWithNestedForecast();
        var builder = Kernel.CreateBuilder();
        builder.AddOpenAIChatClient("gpt-4o-mini", _openAI.V1, "sk-test", httpClient: Lens.CreateHttpClient());
        builder.AddLensAI(Lens);
        var kernel = AddTripPlugins(builder).Build();

        await AssertTripAsync(kernel);
    }

    [Fact]
    public async Task Auto_function_calling_through_a_chat_client_already_wrapped_with_UseLensAI_is_not_counted_twice()
    {
        // The app's own IChatClient: the OpenAI SDK over LensAI's HttpClient, UseLensAI below SK's function invocation —
        // three LensAI layers (kernel, middleware, wire) and still one event per model call.
        ScriptTripWithNestedForecast();
        var builder = Kernel.CreateBuilder();
        builder.Services.AddChatClient(OpenAIChatClient("gpt-4o-mini", Lens.CreateHttpClient()).UseLensAI(Lens)).UseKernelFunctionInvocation();
        builder.AddLensAI(Lens);
        var kernel = AddTripPlugins(builder).Build();

        await AssertTripAsync(kernel);
    }

    [Fact]
    public async Task Function_invoking_chat_client_that_LensAI_cannot_see_beneath_is_recorded_once_per_turn()
    {
        // The limit, pinned: a chat client that invokes functions itself, on an HttpClient LensAI does not see, is
        // wrapped as a whole. Its two model calls are one event (their usage summed, as the client reports it); the
        // call made inside the function is its own event. Nothing is lost, nothing is counted twice.
        ScriptTripWithNestedForecast();
        var builder = Kernel.CreateBuilder();
        builder.Services.AddChatClient(OpenAIChatClient("gpt-4o-mini", http: null)).UseKernelFunctionInvocation();
        builder.AddLensAI(Lens);
        var kernel = AddTripPlugins(builder).Build();

        using (Lens.BeginScope(userId: "dana", route: "trips"))
        {
            await kernel.InvokeAsync("Trip", "Plan", new() { ["city"] = "Porto" });
        }

        Assert.Equal(3, _openAI.Requests.Count);
        var events = Events;
        Assert.Equal(2, events.Count);
        AssertCall(events[0], Reasoning, ReasoningCost, "Weather", "GetForecast"); // recorded when it ended, first
        var basic = Recorded.Chat(Basic);
        AssertCall(events[1], basic.Model, basic.Id, new TokenUsage(80 + 11, 18 + 9), 0.00002985m, "Trip", "Plan"); // 91 × 0.15 + 27 × 0.60, per million
        Assert.All(events, e => Assert.Equal(("dana", "trips", (int?)null), (e.UserId, e.Route, e.HttpStatus)));
    }

    [Fact]
    public async Task A_chat_client_instance_already_wrapped_with_UseLensAI_is_left_as_it_is()
    {
        _openAI.ThenFixture(Basic);
        var wrapped = OpenAIChatClient("gpt-4o-mini", Lens.CreateHttpClient()).UseLensAI(Lens);
        var builder = Kernel.CreateBuilder();
        builder.Services.AddSingleton(wrapped);
        builder.AddLensAI(Lens);
        var kernel = builder.Build();

        await kernel.InvokePromptAsync("Say hello.");

        Assert.Same(wrapped, kernel.GetRequiredService<IChatClient>());
        var e = Assert.Single(Events);
        AssertCall(e, Basic, BasicCost, LensAIKernelMetadata.NoPlugin, LensAIKernelMetadata.InlinePrompt);
        Assert.Equal(200, e.HttpStatus);
    }

    [Fact]
    public async Task A_chat_client_registered_with_AddChatClient_is_recorded_from_the_usage_it_reports()
    {
        // Not on LensAI's HttpClient: the kernel's middleware builds the event from the client's usage, which
        // Microsoft.Extensions.AI.OpenAI reports with reasoning tokens.
        _openAI.ThenFixture(Reasoning);
        var builder = Kernel.CreateBuilder();
        builder.Services.AddChatClient(OpenAIChatClient("o3-mini", http: null));
        builder.AddLensAI(Lens);
        var kernel = builder.Build();

        await kernel.InvokePromptAsync("Think first.");

        var e = Assert.Single(Events);
        AssertCall(e, Reasoning, ReasoningCost, LensAIKernelMetadata.NoPlugin, LensAIKernelMetadata.InlinePrompt);
        Assert.Null(e.HttpStatus); // from the chat client, not the wire
        Assert.IsAssignableFrom<DelegatingChatClient>(kernel.GetRequiredService<IChatClient>());
    }

    [Fact]
    public async Task Connector_given_LensAIs_HttpClient_explicitly_is_not_counted_twice()
    {
        _openAI.ThenFixture(Basic);
        var builder = Kernel.CreateBuilder();
        builder.AddOpenAIChatCompletion("gpt-4o-mini", _openAI.V1, "sk-test", httpClient: Lens.CreateHttpClient());
        builder.AddLensAI(Lens);
        var kernel = builder.Build();

        await kernel.InvokePromptAsync("Say hello.");

        AssertCall(Assert.Single(Events), Basic, BasicCost, LensAIKernelMetadata.NoPlugin, LensAIKernelMetadata.InlinePrompt);
    }

    [Fact]
    public async Task The_apps_own_HttpClient_in_the_kernel_is_kept_and_captures_when_built_on_LensAIs_handler()
    {
        _openAI.ThenFixture(Basic);
        using var appClient = new HttpClient(Lens.CreateHandler(new SocketsHttpHandler()));
        appClient.DefaultRequestHeaders.Add("X-App", "kept");
        var builder = Kernel.CreateBuilder();
        builder.Services.AddSingleton(appClient);
        builder.AddOpenAIChatCompletion("gpt-4o-mini", _openAI.V1, "sk-test");
        builder.AddLensAI(Lens);
        var kernel = builder.Build();

        await kernel.InvokePromptAsync("Say hello.");

        Assert.Same(appClient, kernel.GetRequiredService<HttpClient>());
        Assert.Equal("kept", _openAI.LastHeaders["X-App"]);
        AssertCall(Assert.Single(Events), Basic, BasicCost, LensAIKernelMetadata.NoPlugin, LensAIKernelMetadata.InlinePrompt);
    }

    [Theory]
    [InlineData("StreamingKernelContent")]
    [InlineData("StreamingChatMessageContent")]
    [InlineData("string")]
    [InlineData("OpenAIStreamingChatMessageContent")] // an element type LensAI does not list: wrapped through reflection
    public async Task Streamed_function_is_one_streamed_event_attributed_to_its_function(string elementType)
    {
        _openAI.ThenFixture(Stream);
        var builder = Kernel.CreateBuilder();
        builder.AddOpenAIChatCompletion("gpt-4o", _openAI.V1, "sk-test");
        builder.AddLensAI(Lens);
        var kernel = builder.Build();
        var tell = kernel.Plugins.AddFromFunctions("Chat", [KernelFunctionFactory.CreateFromPrompt("Tell me about {{$topic}}.", functionName: "Tell")])["Tell"];
        var arguments = new KernelArguments { ["topic"] = "LensAI" };

        var chunks = elementType switch
        {
            "StreamingKernelContent" => await CountAsync(kernel.InvokeStreamingAsync(tell, arguments)),
            "StreamingChatMessageContent" => await CountAsync(kernel.InvokeStreamingAsync<StreamingChatMessageContent>(tell, arguments)),
            "OpenAIStreamingChatMessageContent" => await CountAsync(kernel.InvokeStreamingAsync<Microsoft.SemanticKernel.Connectors.OpenAI.OpenAIStreamingChatMessageContent>(tell, arguments)),
            _ => await CountAsync(kernel.InvokeStreamingAsync<string>(tell, arguments)),
        };

        Assert.True(chunks > 1);
        var e = Assert.Single(Events);
        AssertCall(e, Stream, StreamCost, "Chat", "Tell");
        Assert.True(e.Stream);
        Assert.NotNull(e.TtftMs);
    }

    [Fact]
    public async Task Kernel_from_dependency_injection_takes_the_registered_LensAI_client()
    {
        _openAI.ThenFixture(Basic);
        var services = new ServiceCollection();
        services.AddSingleton(Lens); // what services.AddLensAI() registers
        services.AddKernel().AddOpenAIChatCompletion("gpt-4o-mini", _openAI.V1, "sk-test").AddLensAI();
        await using var provider = services.BuildServiceProvider();
        var kernel = provider.GetRequiredService<Kernel>();

        using (Lens.BeginScope(userId: "dana", route: "POST /ask"))
        {
            await kernel.InvokePromptAsync("Say hello.");
        }

        var e = Assert.Single(Events);
        AssertCall(e, Basic, BasicCost, LensAIKernelMetadata.NoPlugin, LensAIKernelMetadata.InlinePrompt);
        Assert.Equal(("dana", "POST /ask"), (e.UserId, e.Route));
    }

    /// <summary>
    /// Trip.Plan (a prompt function with automatic function calling) → model call 1 asks for Weather.GetForecast →
    /// GetForecast (native) makes model call 2 with an inline prompt → model call 3 answers.
    /// </summary>
    private void ScriptTripWithNestedForecast() => _openAI
        .ThenToolCall("GetForecast", """{"city":"Porto"}""", s_toolCall)
        .ThenFixture(Reasoning)
        .ThenFixture(Basic);

    private static IKernelBuilder AddTripPlugins(IKernelBuilder builder)
    {
        var plan = KernelFunctionFactory.CreateFromPrompt(
            "Plan a day in {{$city}}.",
            new PromptExecutionSettings { FunctionChoiceBehavior = FunctionChoiceBehavior.Auto() },
            functionName: "Plan");
        builder.Plugins.AddFromFunctions("Trip", [plan]);
        builder.Plugins.AddFromType<WeatherPlugin>("Weather");
        return builder;
    }

    private async Task AssertTripAsync(Kernel kernel)
    {
        FunctionResult answer;
        using (Lens.BeginScope(userId: "dana", route: "trips"))
        {
            answer = await kernel.InvokeAsync("Trip", "Plan", new() { ["city"] = "Porto" });
        }

        Assert.Equal("Hello! How can I assist you today?", answer.ToString());
        Assert.Equal(3, _openAI.Requests.Count);
        Assert.Contains("tool", _openAI.Requests[2]["messages"]!.AsArray().Select(m => m!["role"]!.GetValue<string>())); // the forecast went back

        var events = Events;
        Assert.Equal(3, events.Count);
        // In the order they were recorded: a LensAI chat client above function invocation records its own calls when
        // the turn ends, so the call made inside the function can come first.
        UsageEvent Call(string id) => Assert.Single(events, e => e.RequestId == id);
        AssertCall(Call(s_toolCall.Id), "gpt-4o-mini-2024-07-18", s_toolCall.Id, new TokenUsage(80, 18), ToolCallCost, "Trip", "Plan");
        AssertCall(Call(Recorded.Chat(Reasoning).Id), Reasoning, ReasoningCost, "Weather", "GetForecast");
        AssertCall(Call(Recorded.Chat(Basic).Id), Basic, BasicCost, "Trip", "Plan");
        Assert.All(events, e => Assert.Equal(("dana", "trips", 200), (e.UserId, e.Route, e.HttpStatus)));
        Assert.Equal(3, events.Select(e => e.EventId).Distinct().Count());
    }

    private IChatClient OpenAIChatClient(string model, HttpClient? http)
    {
        var options = new OpenAIClientOptions { Endpoint = _openAI.V1 };
        if (http is not null)
        {
            options.Transport = new HttpClientPipelineTransport(http);
        }

        return new OpenAIClient(new ApiKeyCredential("sk-test"), options).GetChatClient(model).AsIChatClient();
    }

    private static async Task<int> CountAsync<T>(IAsyncEnumerable<T> stream)
    {
        var count = 0;
        await foreach (var _ in stream)
        {
            count++;
        }

        return count;
    }

    private static void AssertCall(UsageEvent e, string fixture, decimal cost, string plugin, string function)
    {
        var recorded = Recorded.Chat(fixture);
        AssertCall(e, recorded.Model, recorded.Id, recorded.Usage, cost, plugin, function);
    }

    private static void AssertCall(UsageEvent e, string model, string id, TokenUsage usage, decimal cost, string plugin, string function)
    {
        Assert.Equal(("openai", "chat", model, id), (e.Provider, e.Operation, e.Model, e.RequestId));
        Assert.Equal(usage, e.Usage);
        Assert.Equal(cost, e.CostUsd);
        Assert.Equal(UsageStatus.Ok, e.Status);
        Assert.Equal(plugin, e.Metadata![LensAIKernelMetadata.PluginKey]);
        Assert.Equal(function, e.Metadata![LensAIKernelMetadata.FunctionKey]);
    }

    /// <summary>A native function that makes a model call of its own (nested in automatic function calling).</summary>
    public sealed class WeatherPlugin
    {
        [KernelFunction, Description("The weather forecast for a city.")]
        public static async Task<string> GetForecast(Kernel kernel, [Description("The city")] string city)
            => (await kernel.InvokePromptAsync($"Summarize tomorrow's forecast for {city}.")).ToString();
    }
}
