using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LensAI.Backend.Billing;
using LensAI.Backend.Budgets;
using LensAI.Budgets;
using LensAI.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace LensAI.Functions.Tests;

/// <summary>
/// <c>POST /v1/stripe/webhook</c> against the app on loopback, with payloads signed here as Stripe signs them (HMAC-SHA256
/// of <c>{t}.{body}</c> with the endpoint secret): subscriptions set the user's tier and the tier budgets follow; a
/// replay (also to a restarted backend over the same store), a bad signature and a too-old timestamp change nothing.
/// </summary>
public sealed class StripeWebhookTests
{
    private const string Secret = "whsec_test_0123456789abcdef";

    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["LensAI:Backend:Stripe:WebhookSecret"] = Secret,
        ["LensAI:Backend:Stripe:WebhookProject"] = "chat",
        ["LensAI:Backend:Stripe:Tiers:price_pro_monthly"] = "pro",
        ["LensAI:Backend:Stripe:Tiers:prod_enterprise"] = "enterprise",
    };

    [Fact(Timeout = 120_000)]
    public async Task Subscriptions_set_the_users_tier_once_per_event_and_the_tier_budget_follows()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero));
        await using var backend = await TestBackend.StartAsync(configure: b => b.Services.AddSingleton<TimeProvider>(time), settings: Settings);
        var budgets = backend.Services.GetRequiredService<BudgetStore>();
        await budgets.SetBudgetsAsync("chat", new BudgetFile { DefaultUserBudget = TierTemplates.Standard() }, "test", CancellationToken.None); // free: $0.50 a day
        await backend.Store.PutAsync("_system/stripe/chat.json", JsonSerializer.SerializeToUtf8Bytes(new StripeCustomerMap { Users = { ["alice"] = "cus_alice" } }), CancellationToken.None);
        using (var ingest = backend.Client(await backend.CreateKeyAsync("chat")))
        {
            // $0.90 today (8M input tokens of gpt-4o-mini, half cached): over the free tier's daily $0.50, far under pro's $20 a month.
            var batch = Batches.Json([Batches.Event(ts: time.GetUtcNow().AddMinutes(-5), tokensIn: 8_000_000, tokensOut: 0, userId: "alice")]);
            Assert.Equal(200, (await Batches.PostAsync(ingest, Batches.Content(batch))).Status);
        }

        var check = backend.Services.GetRequiredService<BudgetCheckJob>();
        await check.CheckProjectAsync("chat", CancellationToken.None);
        Assert.True(await BlockedAsync(budgets, "alice"));
        using var http = new HttpClient { BaseAddress = backend.BaseAddress };

        var created = Event("evt_created", "customer.subscription.created", 1, price: "price_pro_monthly", product: "prod_pro");
        Assert.Equal("tier_set", await PostAsync(http, created, Sign(created, time.GetUtcNow())));
        Assert.Equal("pro", await TierAsync(budgets, "alice"));
        await check.CheckProjectAsync("chat", CancellationToken.None);
        Assert.False(await BlockedAsync(budgets, "alice")); // pro: $0.90 of $20

        var updated = Event("evt_updated", "customer.subscription.updated", 2, price: "price_ent_yearly", product: "prod_enterprise");
        var updatedSignature = Sign(updated, time.GetUtcNow());
        Assert.Equal("tier_set", await PostAsync(http, updated, updatedSignature));
        Assert.Equal("enterprise", await TierAsync(budgets, "alice"));

        // The same delivery again, then to a restarted backend over the same store: no second change.
        Assert.Equal("duplicate", await PostAsync(http, updated, updatedSignature));
        await using (var restarted = await TestBackend.StartAsync(configure: b => b.Services.AddSingleton<TimeProvider>(time),
            settings: new(Settings) { ["LensAI:Backend:Storage:LocalPath"] = backend.StoreDirectory }))
        {
            using var again = new HttpClient { BaseAddress = restarted.BaseAddress };
            Assert.Equal("duplicate", await PostAsync(again, updated, updatedSignature));
        }

        var deleted = Event("evt_deleted", "customer.subscription.deleted", 3, price: "price_ent_yearly", product: "prod_enterprise", status: "canceled");
        Assert.Equal("tier_set", await PostAsync(http, deleted, Sign(deleted, time.GetUtcNow())));
        Assert.Equal("free", await TierAsync(budgets, "alice"));
        await check.CheckProjectAsync("chat", CancellationToken.None);
        Assert.True(await BlockedAsync(budgets, "alice"));

        var changes = (await budgets.AuditTrailAsync("chat", CancellationToken.None)).Where(e => e.Action == "user.tier_changed").ToList();
        Assert.Equal(["enterprise", "free", "pro"], changes.Select(e => e.After!.Value.GetString()).Order()); // one per change (the fake clock gives them one instant, so no order)
        Assert.All(changes, e => Assert.StartsWith("stripe:evt_", e.Actor, StringComparison.Ordinal));

        // A later PUT of the budgets keeps the tiers Stripe set (they are server-owned).
        await budgets.SetBudgetsAsync("chat", new BudgetFile { DefaultUserBudget = TierTemplates.Standard(freeDailyUsd: 1m) }, "test", CancellationToken.None);
        Assert.Equal("free", await TierAsync(budgets, "alice"));
    }

    [Fact]
    public async Task A_bad_signature_or_a_too_old_timestamp_is_400_and_changes_nothing()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero));
        await using var backend = await TestBackend.StartAsync(configure: b => b.Services.AddSingleton<TimeProvider>(time), settings: Settings);
        using var http = new HttpClient { BaseAddress = backend.BaseAddress };
        var body = Event("evt_forged", "customer.subscription.created", 1, price: "price_pro_monthly", product: "prod_pro", metadataUser: "mallory");

        var forged = Sign(body, time.GetUtcNow(), "whsec_someone_elses_secret");
        var tampered = Sign(body + " ", time.GetUtcNow()); // signed over another body
        var stale = Sign(body, time.GetUtcNow().AddMinutes(-6));
        foreach (var signature in new[] { forged, tampered, stale, "" })
        {
            using var response = await SendAsync(http, body, signature);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("bad-stripe-signature", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var budgets = backend.Services.GetRequiredService<BudgetStore>();
        Assert.Null((await budgets.GetBudgetsAsync("chat", CancellationToken.None))?.UserTiers);
        Assert.Null(await backend.Store.GetAsync("_system/stripe-events/evt_forged.json", CancellationToken.None)); // not even claimed

        // The genuine one is applied (metadata names the user; no customer map needed).
        Assert.Equal("tier_set", await PostAsync(http, body, Sign(body, time.GetUtcNow())));
        Assert.Equal("pro", await TierAsync(budgets, "mallory"));
    }

    /// <summary>A Stripe event as Stripe posts it (snapshot payload, API version of the day).</summary>
    private static string Event(string id, string type, int order, string price, string product, string status = "active", string? metadataUser = null) =>
        JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["id"] = id,
            ["object"] = "event",
            ["api_version"] = "2026-10-28.endive",
            ["created"] = 1_795_000_000 + order,
            ["livemode"] = false,
            ["pending_webhooks"] = 1,
            ["type"] = type,
            ["data"] = new Dictionary<string, object?>
            {
                ["object"] = new Dictionary<string, object?>
                {
                    ["id"] = "sub_alice",
                    ["object"] = "subscription",
                    ["customer"] = "cus_alice",
                    ["status"] = status,
                    ["metadata"] = metadataUser is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["lensai_user_id"] = metadataUser },
                    ["items"] = new Dictionary<string, object?>
                    {
                        ["object"] = "list",
                        ["data"] = new[]
                        {
                            new Dictionary<string, object?>
                            {
                                ["id"] = "si_1",
                                ["object"] = "subscription_item",
                                ["price"] = new Dictionary<string, object?> { ["id"] = price, ["object"] = "price", ["product"] = product },
                            },
                        },
                    },
                },
            },
        });

    /// <summary>The <c>Stripe-Signature</c> header, computed here as Stripe documents it: <c>t=…,v1=hex(HMAC-SHA256(secret, "{t}.{body}"))</c>.</summary>
    private static string Sign(string body, DateTimeOffset at, string secret = Secret)
    {
        var t = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(t + "." + body));
        return $"t={t},v1={Convert.ToHexStringLower(mac)}";
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, string body, string signature)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/stripe/webhook") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (signature.Length > 0)
        {
            request.Headers.TryAddWithoutValidation("Stripe-Signature", signature);
        }

        return await http.SendAsync(request);
    }

    private static async Task<string> PostAsync(HttpClient http, string body, string signature)
    {
        using var response = await SendAsync(http, body, signature);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("outcome").GetString()!;
    }

    private static async Task<string?> TierAsync(BudgetStore budgets, string user) =>
        (await budgets.GetBudgetsAsync("chat", CancellationToken.None))?.UserTiers?.GetValueOrDefault(user)?.Tier;

    private static async Task<bool> BlockedAsync(BudgetStore budgets, string user)
    {
        var stored = await budgets.GetStatusAsync("chat", CancellationToken.None);
        return stored is not null && JsonSerializer.Deserialize(stored.Content, BudgetStatusJsonContext.Default.BudgetStatusDocument)!
            .Budgets.Any(b => b.ScopeValue == user && b.Blocked);
    }
}
