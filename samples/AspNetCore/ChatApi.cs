using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using Microsoft.AspNetCore.Authentication;
using OpenAI;
using OpenAI.Chat;

namespace LensAI.Samples.AspNetCore;

/// <summary>The chat API: what you would write in your own Program.cs.</summary>
public static class ChatApi
{
    /// <summary>
    /// Builds the app. <paramref name="settings"/> are configuration values layered over appsettings.json and the
    /// environment (the demo passes the addresses of the embedded backend and the replay server it started).
    /// </summary>
    public static WebApplication Build(IReadOnlyDictionary<string, string?> settings, string urls)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.WebHost.UseUrls(urls);

        // 1. LensAI, bound from the "LensAI" configuration section (appsettings.json, LensAI__Endpoint, LensAI__ApiKey…).
        //    Options are validated at start-up; the client is flushed when the host stops.
        builder.Services.AddLensAI();

        // 2. The HttpClient the OpenAI SDK sends through, with LensAI's capture handler: every OpenAI call made through
        //    it is priced and shipped, and checked against the project's budgets before it is sent. Retries come from
        //    Microsoft.Extensions.Http.Resilience, added AFTER AddLensAI so LensAI sits outside them: one event per call
        //    your code makes (the answer it finally got, priced; the latency it waited), one budget check. Added before
        //    AddLensAI, each attempt would be its own event (a 429 as rate_limited, at $0).
        builder.Services.AddHttpClient("openai").AddLensAI().AddStandardResilienceHandler(o =>
        {
            o.AttemptTimeout.Timeout = TimeSpan.FromSeconds(60);        // default 10 s: too short for a long completion
            o.CircuitBreaker.SamplingDuration = TimeSpan.FromMinutes(2); // must be at least twice the attempt timeout
            o.TotalRequestTimeout.Timeout = TimeSpan.FromMinutes(3);
        });
        builder.Services.AddScoped(sp =>
        {
            var openAI = sp.GetRequiredService<IConfiguration>().GetSection("OpenAI");
            var http = sp.GetRequiredService<IHttpClientFactory>().CreateClient("openai"); // short-lived, as the factory intends
            return new ChatClient(
                openAI["Model"] ?? "gpt-4o-mini",
                new ApiKeyCredential(openAI["ApiKey"] ?? throw new InvalidOperationException("Set OpenAI:ApiKey (or OPENAI_API_KEY).")),
                new OpenAIClientOptions
                {
                    Endpoint = openAI["BaseUrl"] is { Length: > 0 } url ? new Uri(url) : null,
                    Transport = new HttpClientPipelineTransport(http),
                    RetryPolicy = new ClientRetryPolicy(maxRetries: 0), // the HttpClient retries (above); not twice
                });
        });
        builder.Services.AddSingleton<Conversations>();

        // 3. Who the caller is. SAMPLE ONLY: an X-User-Id header; use your real authentication scheme here.
        builder.Services.AddAuthentication(HeaderAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, HeaderAuthenticationHandler>(HeaderAuthenticationHandler.SchemeName, null);
        builder.Services.AddAuthorization();

        var app = builder.Build();
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();

        // 4. Every LLM call made while handling a request is attributed to its route pattern and user, and the
        //    request's LLM cost comes back in X-LensAI-Cost-Usd.
        app.UseLensAIAttribution();

        app.MapPost("/chat", (ChatRequest request, ChatClient chat, Conversations conversations, IConfiguration configuration, CancellationToken ct)
            => ChatAsync(null, request, chat, conversations, configuration, ct));
        app.MapPost("/chat/{conversationId}", (string conversationId, ChatRequest request, ChatClient chat, Conversations conversations, IConfiguration configuration, CancellationToken ct)
            => ChatAsync(conversationId, request, chat, conversations, configuration, ct));
        app.MapGet("/healthz", () => "ok");
        return app;
    }

    private static async Task<IResult> ChatAsync(string? conversationId, ChatRequest request, ChatClient chat, Conversations conversations, IConfiguration configuration, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.Message))
        {
            return Results.Problem("'message' is required.", statusCode: StatusCodes.Status400BadRequest);
        }

        var history = conversationId is null ? [] : conversations.Get(conversationId);
        List<ChatMessage> messages;
        lock (history)
        {
            messages = [new SystemChatMessage("You are a concise assistant."), .. history, new UserChatMessage(request.Message)];
        }

        try
        {
            ChatCompletion completion = await chat.CompleteChatAsync(messages, new ChatCompletionOptions
            {
                MaxOutputTokenCount = configuration.GetValue("OpenAI:MaxOutputTokens", 300), // also bounds LensAI's in-flight budget estimate
            }, ct);
            var reply = completion.Content.Count > 0 ? completion.Content[0].Text : "";
            lock (history)
            {
                history.Add(new UserChatMessage(request.Message));
                history.Add(new AssistantChatMessage(reply));
            }

            return Results.Ok(new ChatReply(reply, completion.Model, conversationId));
        }
        catch (LensAIBudgetExceededException ex)
        {
            // A LensAI budget stopped the call before it reached OpenAI. UserMessage is safe to show end users.
            return Results.Problem(ex.UserMessage, statusCode: StatusCodes.Status429TooManyRequests);
        }
    }

    /// <summary>In-memory conversation histories (a real app keeps them in its database).</summary>
    internal sealed class Conversations
    {
        private readonly ConcurrentDictionary<string, List<ChatMessage>> _histories = new(StringComparer.Ordinal);

        public List<ChatMessage> Get(string id) => _histories.GetOrAdd(id, static _ => []);
    }
}

/// <summary>The body of <c>POST /chat</c>.</summary>
public sealed record ChatRequest(string Message);

/// <summary>The answer: the reply, the model that wrote it, and the conversation it belongs to.</summary>
public sealed record ChatReply(string Reply, string Model, string? ConversationId);
