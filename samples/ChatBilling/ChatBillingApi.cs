using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using OpenAI;
using OpenAI.Chat;

namespace LensAI.Samples.ChatBilling;

/// <summary>The body of <c>POST /conversations/{conversationId}/messages</c>.</summary>
public sealed record MessageRequest(string Message);

/// <summary>The assistant's answer.</summary>
public sealed record MessageReply(string Reply, string Model, string ConversationId);

/// <summary>
/// A small chat backend that bills its users. Every LLM call is made inside a LensAI scope carrying the user, the
/// route, the user's plan (<c>tier</c>) and the conversation (<c>conversation_id</c>), so LensAI can price it per user
/// and per conversation, enforce the plan's quota, and bill it.
/// </summary>
public static class ChatBillingApi
{
    /// <summary>The route of the chat endpoint, as recorded by LensAI.</summary>
    public const string MessageRoute = "POST /conversations/{conversationId}/messages";

    /// <summary>
    /// Builds the app. <paramref name="settings"/> are configuration values (<c>LensAI:*</c>, <c>OpenAI:*</c>);
    /// <paramref name="billing"/> reads what the LensAI backend stored.
    /// </summary>
    public static WebApplication Build(IReadOnlyDictionary<string, string?> settings, string urls, UserDirectory users, BillingService billing)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        // Configured in code (by the demo) and from the environment; no appsettings.json is read, so another app's
        // copied next to these binaries (the smoke tests run every sample from one folder) cannot leak in.
        foreach (var json in builder.Configuration.Sources.OfType<Microsoft.Extensions.Configuration.Json.JsonConfigurationSource>().ToList())
        {
            builder.Configuration.Sources.Remove(json);
        }

        builder.Configuration.AddInMemoryCollection(settings);
        builder.WebHost.UseUrls(urls);

        // LensAI from the "LensAI" section, and the HttpClient the OpenAI SDK sends through, with LensAI's handler:
        // every call is priced, shipped, and checked against the budgets (the plans' quotas) before it is sent.
        builder.Services.AddLensAI();
        builder.Services.AddHttpClient("openai").AddLensAI();
        builder.Services.AddScoped(sp =>
        {
            var openAI = sp.GetRequiredService<IConfiguration>().GetSection("OpenAI");
            return new ChatClient(
                openAI["Model"] ?? "gpt-4o-mini",
                new ApiKeyCredential(openAI["ApiKey"] ?? throw new InvalidOperationException("Set OpenAI:ApiKey (or OPENAI_API_KEY).")),
                new OpenAIClientOptions
                {
                    Endpoint = openAI["BaseUrl"] is { Length: > 0 } url ? new Uri(url) : null,
                    Transport = new HttpClientPipelineTransport(sp.GetRequiredService<IHttpClientFactory>().CreateClient("openai")),
                });
        });
        builder.Services.AddSingleton(users);
        builder.Services.AddSingleton(billing);
        builder.Services.AddSingleton<Conversations>();

        // SAMPLE ONLY: the caller is the X-User-Id header. Use your real authentication here.
        builder.Services.AddAuthentication(HeaderAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, HeaderAuthenticationHandler>(HeaderAuthenticationHandler.SchemeName, null);
        builder.Services.AddAuthorization();

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();

        app.MapPost("/conversations/{conversationId}/messages", SendAsync).RequireAuthorization();
        app.MapGet("/me/usage", async (ClaimsPrincipal principal, UserDirectory directory, BillingService service, CancellationToken ct)
            => directory.Find(principal.FindFirstValue(ClaimTypes.NameIdentifier)) is { } user
                ? Results.Ok(await service.UsageAsync(user, ct))
                : UnknownUser()).RequireAuthorization();

        // Back office. SAMPLE ONLY: not protected; put these behind your admin authorization.
        var admin = app.MapGroup("/admin");
        admin.MapGet("/usage", async (BillingService service, CancellationToken ct) => Results.Ok(await service.CostByUserAsync(ct)));
        admin.MapGet("/invoices/{userId}", async (string userId, string? month, UserDirectory directory, BillingService service, TimeProvider time, CancellationToken ct) =>
        {
            if (directory.Find(userId) is not { } user)
            {
                return Results.Problem($"No user '{userId}'.", statusCode: StatusCodes.Status404NotFound);
            }

            var at = time.GetUtcNow();
            if (month is not null)
            {
                if (!DateTimeOffset.TryParseExact(month, "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out at))
                {
                    return Results.Problem($"'month' must be yyyy-MM, not '{month}'.", statusCode: StatusCodes.Status400BadRequest);
                }
            }

            return Results.Ok(await service.InvoiceAsync(user, at, ct));
        });
        admin.MapPost("/stripe/push", async (bool? closeCurrentHour, BillingService service, CancellationToken ct)
            => Results.Ok(await service.PushToStripeAsync(closeCurrentHour ?? false, ct)));
        app.MapGet("/healthz", () => "ok");
        return app;
    }

    private static async Task<IResult> SendAsync(
        string conversationId, MessageRequest request, ClaimsPrincipal principal, UserDirectory users, Conversations conversations, ChatClient chat,
        LensAIClient lens, IConfiguration configuration, CancellationToken ct)
    {
        if (users.Find(principal.FindFirstValue(ClaimTypes.NameIdentifier)) is not { } user)
        {
            return UnknownUser();
        }

        if (string.IsNullOrWhiteSpace(request.Message))
        {
            return Results.Problem("'message' is required.", statusCode: StatusCodes.Status400BadRequest);
        }

        var history = conversations.Get(user.Id, conversationId);
        List<ChatMessage> messages;
        lock (history)
        {
            messages = [new SystemChatMessage("You are a concise assistant."), .. history, new UserChatMessage(request.Message)];
        }

        // Who pays and which quota applies: LensAI records these on the call's event. The backend's budget check picks
        // each user's quota from the "tier" metadata of their latest call.
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal) { ["tier"] = user.Tier, ["conversation_id"] = conversationId };
        try
        {
            ChatCompletion completion;
            using (lens.BeginScope(userId: user.Id, route: MessageRoute, metadata: metadata))
            {
                completion = await chat.CompleteChatAsync(messages, new ChatCompletionOptions
                {
                    MaxOutputTokenCount = configuration.GetValue("OpenAI:MaxOutputTokens", 100), // also bounds LensAI's pre-call estimate
                }, ct);
            }

            var reply = completion.Content.Count > 0 ? completion.Content[0].Text : "";
            lock (history)
            {
                history.Add(new UserChatMessage(request.Message));
                history.Add(new AssistantChatMessage(reply));
            }

            return Results.Ok(new MessageReply(reply, completion.Model, conversationId));
        }
        catch (LensAIBudgetExceededException ex)
        {
            // The user's plan quota is spent: LensAI refused the call before it reached OpenAI (nothing was spent).
            // 402 for the free plan (upgrading lifts the quota), 429 for a paid plan (wait for the period to reset).
            var free = user.Tier == Tiers.Free;
            return Results.Problem(
                title: free ? "Free plan quota reached" : "Plan quota reached",
                detail: ex.UserMessage + (free ? " Upgrade to Pro to keep chatting now." : ""),
                statusCode: free ? StatusCodes.Status402PaymentRequired : StatusCodes.Status429TooManyRequests,
                extensions: new Dictionary<string, object?>
                {
                    ["tier"] = user.Tier,
                    ["budget_id"] = ex.BudgetId,
                    ["period"] = ex.Period,
                    ["resets_at"] = ex.ResetsAt,
                });
        }
    }

    private static IResult UnknownUser() => Results.Problem("Unknown user: send X-User-Id with a known user id.", statusCode: StatusCodes.Status401Unauthorized);

    /// <summary>In-memory conversation histories per user (a real service keeps them in its database).</summary>
    internal sealed class Conversations
    {
        private readonly ConcurrentDictionary<(string User, string Conversation), List<ChatMessage>> _histories = new();

        public List<ChatMessage> Get(string user, string conversation) => _histories.GetOrAdd((user, conversation), static _ => []);
    }
}
