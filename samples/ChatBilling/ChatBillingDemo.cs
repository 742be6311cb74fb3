using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using LensAI.Backend.Billing;
using LensAI.Backend.Parquet;
using LensAI.Backend.Rollups;

namespace LensAI.Samples.ChatBilling;

/// <summary>One chat message the demo sent, and the answer.</summary>
public sealed record Exchange(string User, string Tier, string Conversation, int Status, string Body);

/// <summary>What the demo did and saw, for its smoke test.</summary>
public sealed record ChatBillingResult(
    IReadOnlyList<Exchange> Exchanges,
    IReadOnlyList<UserCost> CostByUser,
    IReadOnlyList<UserUsage> Usage,
    IReadOnlyList<Invoice> Invoices,
    StripePush Push,
    string SubscriptionOutcome);

/// <summary>
/// Runs the chat backend with what it needs: the embedded LensAI backend (whose library does the billing reads), the
/// OpenAI replay server unless <c>OPENAI_API_KEY</c> is set, and a local Stripe stand-in unless <c>STRIPE_API_KEY</c> is
/// set. Then plays a short story: a pro and a free user chat, the free user's quota runs out and the next message is
/// refused with 402 while the pro user carries on; the free user then subscribes to pro — Stripe's signed
/// <c>customer.subscription.created</c> reaches the backend's <c>POST /v1/stripe/webhook</c>, her tier becomes pro and
/// her next message goes through; then usage per user and per conversation, the month's invoices, and the push to
/// Stripe. <c>--serve</c> keeps it running instead.
/// </summary>
public sealed class ChatBillingDemo : IAsyncDisposable
{
    /// <summary>The LensAI project the chat service reports to.</summary>
    public const string Project = "chat-billing";

    /// <summary>The Stripe price of the pro plan, mapped to the <c>pro</c> tier (<c>LensAI:Backend:Stripe:Tiers</c>).</summary>
    public const string ProPrice = "price_pro_monthly";

    private readonly string _webhookSecret;

    private ChatBillingDemo(WebApplication app, LocalBackend backend, ReplayServer? replay, LocalStripe? stripe, UserDirectory users, BillingService billing, string webhookSecret)
    {
        _webhookSecret = webhookSecret;
        App = app;
        Backend = backend;
        Replay = replay;
        LocalStripe = stripe;
        Users = users;
        Billing = billing;
        BaseAddress = new Uri(app.Urls.First().TrimEnd('/') + "/");
    }

    /// <summary>The running chat backend.</summary>
    public WebApplication App { get; }

    /// <summary>Its address.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The embedded LensAI backend.</summary>
    public LocalBackend Backend { get; }

    /// <summary>The replay server, when <c>OPENAI_API_KEY</c> is not set.</summary>
    public ReplayServer? Replay { get; }

    /// <summary>The local Stripe stand-in, when <c>STRIPE_API_KEY</c> is not set.</summary>
    public LocalStripe? LocalStripe { get; }

    /// <summary>The users.</summary>
    public UserDirectory Users { get; }

    /// <summary>The billing reads and the Stripe push.</summary>
    public BillingService Billing { get; }

    /// <summary>The app's LensAI client.</summary>
    public LensAIClient Lens => App.Services.GetRequiredService<LensAIClient>();

    /// <summary>The sample's entry point. Returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        var settings = SampleSettings.From(args, "chatbilling");
        var serve = settings.Flag("--serve");
        await using var demo = await StartAsync(settings, output, settings.Option("--urls") ?? (serve ? "http://127.0.0.1:5190" : "http://127.0.0.1:0"));
        if (serve)
        {
            output.WriteLine($"Chat backend on {demo.BaseAddress} — try:");
            output.WriteLine($"  curl -i -X POST {demo.BaseAddress}conversations/c1/messages -H 'X-User-Id: alice' -H 'Content-Type: application/json' -d '{{\"message\":\"Hi\"}}'");
            output.WriteLine($"  curl {demo.BaseAddress}me/usage -H 'X-User-Id: alice'");
            output.WriteLine($"  curl {demo.BaseAddress}admin/invoices/alice");
            output.WriteLine("Ctrl+C stops it.");
            await demo.App.WaitForShutdownAsync(cancellationToken);
            return 0;
        }

        var result = await demo.RunStoryAsync(output, cancellationToken);
        var blocked = result.Exchanges.Any(e => e.Tier == Tiers.Free && e.Status == 402);
        return blocked ? 0 : 1;
    }

    /// <summary>Starts the stand-ins, the embedded backend (with the plans' budgets and the Stripe customer map) and the chat backend.</summary>
    public static async Task<ChatBillingDemo> StartAsync(SampleSettings settings, TextWriter output, string urls = "http://127.0.0.1:0")
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(output);
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var stripeKey = settings.Env("STRIPE_API_KEY");
        var users = UserDirectory.Sample(ParseCustomers(settings.Env("STRIPE_CUSTOMERS")));
        await using var cleanup = new Cleanup();
        var replay = settings.OpenAIApiKey is null ? cleanup.Add(await ReplayServer.StartAsync()) : null;
        if (replay is null)
        {
            values["OpenAI:ApiKey"] = settings.OpenAIApiKey;
            output.WriteLine("LIVE: OpenAI calls go to api.openai.com (OPENAI_API_KEY is set).");
        }
        else
        {
            values["OpenAI:ApiKey"] = "sk-replay";
            values["OpenAI:BaseUrl"] = replay.BaseUrl.ToString();
            values["LensAI:OpenAICompatibleEndpoints:0:BaseUrl"] = replay.BaseUrl.ToString();
            values["LensAI:OpenAICompatibleEndpoints:0:Provider"] = "openai";
            output.WriteLine($"REPLAY: recorded OpenAI responses served from {replay.BaseUrl} (set OPENAI_API_KEY for live calls).");
        }

        var stripe = stripeKey is null ? cleanup.Add(await LocalStripe.StartAsync("sk_test_local_stand_in", users.All.Select(u => u.StripeCustomerId))) : null;
        var backendSettings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["LensAI:Backend:Stripe:ApiKey"] = stripeKey ?? "sk_test_local_stand_in",
            ["LensAI:Backend:Stripe:MeterEventName"] = settings.Env("STRIPE_METER_EVENT_NAME") ?? "llm_cost",
            ["LensAI:Backend:Stripe:ValueUnit"] = "micro_usd",

            // Subscriptions set the users' tiers: Stripe posts customer.subscription.* to /v1/stripe/webhook, signed with
            // the endpoint's secret (in production the whsec_… from the Stripe Dashboard, from a secret store).
            ["LensAI:Backend:Stripe:WebhookSecret"] = settings.Env("STRIPE_WEBHOOK_SECRET") ?? "whsec_" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)),
            ["LensAI:Backend:Stripe:WebhookProject"] = Project,
            ["LensAI:Backend:Stripe:Tiers:" + ProPrice] = Tiers.Pro,
            ["LensAI:Backend:Stripe:CanceledTier"] = Tiers.Free,
        };
        if (stripe is not null)
        {
            backendSettings["LensAI:Backend:Stripe:BaseUrl"] = stripe.BaseUrl.ToString();
            output.WriteLine($"LOCAL STRIPE STAND-IN on {stripe.BaseUrl} — nothing reaches Stripe (set STRIPE_API_KEY, and STRIPE_CUSTOMERS=alice=cus_…,bob=cus_…, to push to your Stripe account).");
        }
        else
        {
            output.WriteLine($"STRIPE: usage goes to api.stripe.com, meter '{backendSettings["LensAI:Backend:Stripe:MeterEventName"]}' (STRIPE_API_KEY is set).");
        }

        if (settings.Flag("--serve"))
        {
            // Serving: the backend runs its timer jobs as deployed — budget check every 20 s (so a free user's quota
            // engages on its own), rollups hourly, the Stripe push at minute 15 of each hour.
            backendSettings["LensAI:Backend:RunScheduler"] = "true";
        }

        if (settings.LensAIEndpoint is not null)
        {
            output.WriteLine("LENSAI_ENDPOINT is ignored here: the billing reads use the backend library in this process (see docs/samples.md).");
        }

        var backend = cleanup.Add(await LocalBackend.StartAsync(settings.DataDirectory, Project, backendSettings));
        values["LensAI:Endpoint"] = backend.Endpoint.ToString();
        values["LensAI:ApiKey"] = backend.ApiKey;
        values["LensAI:SpoolDirectory"] = Path.Combine(settings.DataDirectory, "spool");
        values["LensAI:MaxBatchDelay"] = "00:00:00.200";
        values["LensAI:Budgets:PollInterval"] = "00:00:01"; // default 30 s; short so the demo sees a new block at once
        output.WriteLine($"Embedded LensAI backend on {backend.Endpoint}; Parquet under {Path.Combine(backend.DataDirectory, "store", "events")}.");

        // The plans' quotas, as LensAI budgets: a default per-user budget by tier.
        await backend.SetBudgetsAsync(Tiers.BudgetsJson);

        var services = backend.Services;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Plans as LensAI budgets: free ${Tiers.FreeDailyUsd} a day, pro ${Tiers.ProMonthlyUsd} a month, both blocking at 100 %."));

        var billing = new BillingService(Project, users, backend.Store, services.GetRequiredService<EventStore>(), services.GetRequiredService<RollupReader>(),
            services.GetRequiredService<StripeMeterClient>(), services.GetRequiredService<StripeOptions>(),
            services.GetRequiredService<TimeProvider>(), services.GetRequiredService<ILoggerFactory>());
        await billing.PublishCustomerMapAsync(CancellationToken.None);

        var app = ChatBillingApi.Build(values, urls, users, billing);
        await app.StartAsync();
        cleanup.Keep();
        return new ChatBillingDemo(app, backend, replay, stripe, users, billing, backendSettings["LensAI:Backend:Stripe:WebhookSecret"]);
    }

    /// <summary>Plays the story through the HTTP API and prints it.</summary>
    public async Task<ChatBillingResult> RunStoryAsync(TextWriter output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        using var http = new HttpClient { BaseAddress = BaseAddress };
        var exchanges = new List<Exchange>();
        async Task SendAsync(string user, string conversation, string message)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"conversations/{conversation}/messages") { Content = JsonContent.Create(new MessageRequest(message)) };
            request.Headers.Add(HeaderAuthenticationHandler.UserHeader, user);
            using var response = await http.SendAsync(request, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            var tier = Users.Find(user)?.Tier ?? "?";
            exchanges.Add(new Exchange(user, tier, conversation, (int)response.StatusCode, body));
            string shown;
            using (var json = JsonDocument.Parse(body))
            {
                shown = response.IsSuccessStatusCode
                    ? json.RootElement.GetProperty("reply").GetString() ?? ""
                    : $"{json.RootElement.GetProperty("title").GetString()}: {json.RootElement.GetProperty("detail").GetString()}";
            }

            output.WriteLine($"  {user,-6} {tier,-5} {conversation,-10} {(int)response.StatusCode,4}  {(shown.Length > 70 ? shown[..69] + "…" : shown).ReplaceLineEndings(" ")}");
        }

        output.WriteLine();
        output.WriteLine($"  {"user",-6} {"plan",-5} {"chat",-10} {"HTTP",4}  reply");
        await SendAsync("bob", "trip", "Plan a day in Lisbon.");
        await SendAsync("alice", "homework", "What is a prime number?");
        await SendAsync("alice", "homework", "Is 91 prime?");
        await SendAsync("alice", "poem", "A haiku about autumn.");
        await SendAsync("carol", "recipes", "A quick pasta recipe.");

        // The backend's budget check (every 20 s when deployed) sees alice over the free plan's quota and writes the
        // kill-switch; the SDK picks it up on its next poll. The demo runs the check now and waits for that poll.
        await Lens.FlushAsync(TimeSpan.FromSeconds(15), cancellationToken);
        await Backend.Jobs.RunAsync("budget-check", cancellationToken);
        await Backend.WaitForBudgetPollsAsync(TimeSpan.FromSeconds(20), cancellationToken);
        output.WriteLine("  -- budget check: alice has spent the free plan's daily quota --");
        await SendAsync("alice", "poem", "Another one, please.");
        await SendAsync("bob", "trip", "Make it cheaper.");

        // alice pays: Stripe tells the backend (the demo signs the event as Stripe does), her tier becomes pro, the next
        // budget check applies the pro quota and lifts her block. The chat app still sends tier=free on her calls: the
        // tier Stripe set wins.
        var subscription = await SubscribeAsync("alice", ProPrice, cancellationToken);
        output.WriteLine($"  -- Stripe: alice subscribes to pro; customer.subscription.created → POST /v1/stripe/webhook: {subscription} --");
        await Backend.Jobs.RunAsync("budget-check", cancellationToken);
        await Backend.WaitForBudgetPollsAsync(TimeSpan.FromSeconds(20), cancellationToken);
        await SendAsync("alice", "poem", "Now that I am on pro: one more.");

        await Lens.FlushAsync(TimeSpan.FromSeconds(15), cancellationToken);
        await Backend.Jobs.RunAsync("rollups", cancellationToken); // hourly when deployed

        output.WriteLine();
        output.WriteLine("Cost per user this month (from the rollups)");
        var byUser = await Billing.CostByUserAsync(cancellationToken);
        foreach (var row in byUser)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {row.Key,-6} {row.Requests,3} requests {row.Tokens,6} tokens  ${row.CostUsd:0.000000000}"));
        }

        output.WriteLine();
        output.WriteLine("Cost per conversation (GET /me/usage, from the events in Parquet)");
        var usage = new List<UserUsage>();
        foreach (var user in Users.All)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "me/usage");
            request.Headers.Add(HeaderAuthenticationHandler.UserHeader, user.Id);
            using var response = await http.SendAsync(request, cancellationToken);
            response.EnsureSuccessStatusCode();
            var u = (await response.Content.ReadFromJsonAsync<UserUsage>(cancellationToken))!;
            usage.Add(u);
            foreach (var c in u.Conversations)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {u.UserId,-6} {c.ConversationId,-10} {c.Calls,3} calls {c.Tokens,6} tokens  ${c.CostUsd:0.000000000}"));
            }
        }

        output.WriteLine();
        var invoices = new List<Invoice>();
        foreach (var user in Users.All)
        {
            var invoice = (await http.GetFromJsonAsync<Invoice>($"admin/invoices/{user.Id}", cancellationToken))!;
            invoices.Add(invoice);
            output.WriteLine($"Invoice {invoice.Month} — {invoice.UserId} ({invoice.Tier}, Stripe customer {invoice.StripeCustomerId})");
            foreach (var line in invoice.Lines)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {line.Day:yyyy-MM-dd}  {line.Requests - line.Blocked,3} calls ({line.Blocked} blocked)  {line.TokensIn,5} in {line.TokensOut,5} out  ${line.CostUsd:0.000000000}"));
            }

            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  total ${invoice.TotalUsd:0.000000000} = {invoice.TotalMicroUsd} micro-USD"));
        }

        output.WriteLine();
        output.WriteLine(LocalStripe is null ? "Pushing usage to Stripe (StripeSyncJob)…" : "Pushing usage to the LOCAL STRIPE STAND-IN (StripeSyncJob)…");
        using var pushResponse = await http.PostAsync("admin/stripe/push?closeCurrentHour=true", null, cancellationToken);
        pushResponse.EnsureSuccessStatusCode();
        var push = (await pushResponse.Content.ReadFromJsonAsync<StripePush>(cancellationToken))!;
        foreach (var line in push.Log)
        {
            output.WriteLine("  " + line);
        }

        if (LocalStripe is not null)
        {
            output.WriteLine($"  the stand-in holds {LocalStripe.Events.Count} meter event(s): {string.Join(", ", LocalStripe.Events.Select(e => $"{e.CustomerId}={e.Value}"))}");
        }

        output.WriteLine("Done.");
        return new ChatBillingResult(exchanges, byUser, usage, invoices, push, subscription);
    }

    /// <summary>
    /// Sends what Stripe sends when <paramref name="user"/>'s customer subscribes to <paramref name="price"/>: a
    /// <c>customer.subscription.created</c> event, signed with the webhook secret the way Stripe signs it
    /// (<c>Stripe-Signature: t=…,v1=hex(HMAC-SHA256(secret, "{t}.{body}"))</c>), to the backend's webhook. Returns the
    /// outcome the backend answered (<c>tier_set</c>).
    /// </summary>
    public async Task<string> SubscribeAsync(string user, string price, CancellationToken cancellationToken = default)
    {
        var customer = Users.Find(user)?.StripeCustomerId ?? throw new ArgumentException($"No user '{user}'.", nameof(user));
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var body = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["id"] = "evt_demo_" + Guid.NewGuid().ToString("N"),
            ["object"] = "event",
            ["api_version"] = "2026-10-28.endive",
            ["created"] = now,
            ["type"] = "customer.subscription.created",
            ["data"] = new Dictionary<string, object>
            {
                ["object"] = new Dictionary<string, object>
                {
                    ["id"] = "sub_demo_" + user,
                    ["object"] = "subscription",
                    ["customer"] = customer,
                    ["status"] = "active",
                    ["items"] = new Dictionary<string, object>
                    {
                        ["object"] = "list",
                        ["data"] = new[] { new Dictionary<string, object> { ["id"] = "si_demo", ["object"] = "subscription_item", ["price"] = new Dictionary<string, object> { ["id"] = price, ["object"] = "price" } } },
                    },
                },
            },
        });
        var t = now.ToString(CultureInfo.InvariantCulture);
        var signature = Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes(_webhookSecret), System.Text.Encoding.UTF8.GetBytes(t + "." + body)));
        using var http = new HttpClient { BaseAddress = Backend.Endpoint };
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/stripe/webhook") { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Stripe-Signature", $"t={t},v1={signature}");
        using var response = await http.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return answer.RootElement.GetProperty("outcome").GetString() + " (" + answer.RootElement.GetProperty("detail").GetString() + ")";
    }

    /// <summary>Stops the chat backend (which flushes LensAI), the LensAI backend and the stand-ins.</summary>
    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        await Backend.DisposeAsync();
        if (LocalStripe is not null)
        {
            await LocalStripe.DisposeAsync();
        }

        if (Replay is not null)
        {
            await Replay.DisposeAsync();
        }
    }

    private static Dictionary<string, string>? ParseCustomers(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var customers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || !pair[(eq + 1)..].StartsWith("cus_", StringComparison.Ordinal))
            {
                throw new ArgumentException($"STRIPE_CUSTOMERS: '{pair}' is not user=cus_… (e.g. alice=cus_NciAYcXfLnqBoz,bob=cus_PQ3m8Wk1yTzR7a).");
            }

            customers[pair[..eq]] = pair[(eq + 1)..];
        }

        return customers;
    }

    /// <summary>Disposes what was started if start-up fails half way.</summary>
    private sealed class Cleanup : IAsyncDisposable
    {
        private readonly List<IAsyncDisposable> _items = [];

        public T Add<T>(T item)
            where T : IAsyncDisposable
        {
            _items.Add(item);
            return item;
        }

        public void Keep() => _items.Clear();

        public async ValueTask DisposeAsync()
        {
            for (var i = _items.Count - 1; i >= 0; i--)
            {
                await _items[i].DisposeAsync();
            }
        }
    }
}
