using System.Text.Json;
using LensAI.Backend.Billing;
using LensAI.Samples.ChatBilling;
using LensAI.Testing;

namespace LensAI.Samples.Tests;

[Collection(SamplesRunOneAtATime.Name)]
public sealed class ChatBillingTests
{
    [Fact]
    public async Task Free_user_is_blocked_at_quota_pro_continues_and_invoices_and_stripe_match_what_was_stored()
    {
        using var data = new TempDirectory();
        var args = SampleCommand.Arguments(DocCommands.Single("docs/samples.md", "samples-chatbilling"), "samples/ChatBilling", data.Path);
        var output = new CapturedOutput();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await using var demo = await ChatBillingDemo.StartAsync(SampleSettings.From(args, "chatbilling"), output);

        var result = await demo.RunStoryAsync(output, deadline.Token);

        var text = output.Text;
        Assert.Contains("REPLAY: recorded OpenAI responses", text);
        Assert.Contains("LOCAL STRIPE STAND-IN on http://127.0.0.1:", text);

        // Free plan: three messages spend the quota; the fourth is refused with 402 before it reaches OpenAI. Then she
        // subscribes to pro (a signed Stripe webhook sets her tier) and the fifth goes through.
        var alice = result.Exchanges.Where(e => e.User == "alice").ToList();
        Assert.Equal(new[] { 200, 200, 200, 402, 200 }, alice.Select(e => e.Status));
        Assert.StartsWith("tier_set (alice: (none) → pro)", result.SubscriptionOutcome, StringComparison.Ordinal);
        Assert.Contains("customer.subscription.created → POST /v1/stripe/webhook: tier_set", output.Text, StringComparison.Ordinal);
        using (var problem = JsonDocument.Parse(alice[3].Body))
        {
            Assert.Equal("Free plan quota reached", problem.RootElement.GetProperty("title").GetString());
            Assert.Equal("free", problem.RootElement.GetProperty("tier").GetString());
            Assert.Equal(402, problem.RootElement.GetProperty("status").GetInt32());
        }

        // Pro plan: carries on after the block.
        Assert.Equal(new[] { 200, 200 }, result.Exchanges.Where(e => e.User == "bob").Select(e => e.Status));
        Assert.Equal(7, demo.Replay!.Requests.Count); // 8 messages, one blocked: 7 reached the provider

        // Stored: every call with its user, route, plan and conversation, priced as the catalogue says.
        var events = StoredEvents.Read(data.Path);
        var ok = events.Where(e => e.Status == "ok").ToList();
        Assert.Equal(7, ok.Count);
        Assert.All(ok, e =>
        {
            Assert.Equal(ChatBillingApi.MessageRoute, e.Route);
            Assert.NotNull(e.CostUsd);
            Assert.Equal(e.CatalogueCost, e.CostUsd);
            Assert.Equal(e.UserId == "alice" ? "free" : "pro", e.Tier); // the app's own tier: alice's pro comes from Stripe, in the backend
        });
        var blocked = Assert.Single(events, e => e.Status == "blocked");
        Assert.Equal(("alice", "poem"), (blocked.UserId, blocked.Conversation));

        // Cost per user (ReportService over the rollups) and per conversation (GET /me/usage) = sums of the stored events.
        var byUser = ok.GroupBy(e => e.UserId!).ToDictionary(g => g.Key, g => g.Sum(e => e.CostUsd!.Value));
        Assert.Equal(byUser.OrderBy(kv => kv.Key), result.CostByUser.ToDictionary(r => r.Key, r => r.CostUsd).OrderBy(kv => kv.Key));
        var byConversation = ok.GroupBy(e => (e.UserId!, e.Conversation!)).ToDictionary(g => g.Key, g => (Calls: (long)g.Count(), Cost: g.Sum(e => e.CostUsd!.Value)));
        Assert.Equal(
            byConversation.OrderBy(kv => kv.Key).Select(kv => (kv.Key.Item1, kv.Key.Item2, kv.Value.Calls, kv.Value.Cost)),
            result.Usage.SelectMany(u => u.Conversations.Select(c => (u.UserId, c.ConversationId, c.Calls, c.CostUsd))).OrderBy(x => (x.UserId, x.ConversationId)));

        // The invoices (daily rollup rows) total what the rollups hold for each user, line by line.
        Assert.Equal(3, result.Invoices.Count);
        Assert.All(result.Invoices, invoice =>
        {
            Assert.Equal(byUser[invoice.UserId], invoice.TotalUsd);
            Assert.Equal(invoice.Lines.Sum(l => l.CostUsd), invoice.TotalUsd);
            Assert.Equal(StripeMeterClient.ToMicroUsd(invoice.TotalUsd), invoice.TotalMicroUsd);
            Assert.Equal(ok.Where(e => e.UserId == invoice.UserId).Sum(e => e.TokensIn), invoice.Lines.Sum(l => l.TokensIn));
        });
        Assert.Equal(1, Assert.Single(result.Invoices, i => i.UserId == "alice").Lines.Sum(l => l.Blocked));

        // Stripe: one meter event per customer and hour, whose value is that hour's cost in micro-dollars.
        var expected = ok.GroupBy(e => (Customer: demo.Users.Find(e.UserId)!.StripeCustomerId, Hour: new DateTimeOffset(e.Ts.UtcTicks - (e.Ts.UtcTicks % TimeSpan.TicksPerHour), TimeSpan.Zero)))
            .Select(g => new ReceivedMeterEvent(StripeMeterClient.CreateIdentifier(ChatBillingDemo.Project, g.Key.Customer, g.Key.Hour), "llm_cost", g.Key.Customer,
                StripeMeterClient.ToMicroUsd(g.Sum(e => e.CostUsd!.Value)), g.Key.Hour))
            .OrderBy(e => e.Identifier, StringComparer.Ordinal)
            .ToList();
        Assert.Equal(expected, demo.LocalStripe!.Events);
        Assert.Equal(expected.Count, demo.LocalStripe.Requests);
        Assert.Equal(expected.Count, result.Push.Log.Count(l => l.Contains(" sent ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Local_stripe_refuses_what_stripe_refuses()
    {
        await using var stripe = await LocalStripe.StartAsync("sk_test_ok", ["cus_known"]);
        var options = new StripeOptions { ApiKey = "sk_test_ok", MeterEventName = "llm_cost", BaseUrl = stripe.BaseUrl.ToString() };
        options.MaxNetworkRetries = 0;
        using var client = new StripeMeterClient(options);
        var hour = DateTimeOffset.UtcNow.AddHours(-1);

        var unknown = await client.SendAsync(new StripeMeterEvent("cus_unknown", 5, "p:cus_unknown:1", hour));
        var delivered = await client.SendAsync(new StripeMeterEvent("cus_known", 5, "p:cus_known:1", hour));
        var again = await client.SendAsync(new StripeMeterEvent("cus_known", 9, "p:cus_known:1", hour));
        options.ApiKey = "sk_test_wrong";
        using var wrongKey = new StripeMeterClient(options);
        var unauthorized = await wrongKey.SendAsync(new StripeMeterEvent("cus_known", 5, "p:cus_known:2", hour));

        Assert.Equal((MeterEventStatus.Failed, 400, "resource_missing"), (unknown.Status, unknown.HttpStatus, unknown.Error?.Code));
        Assert.Contains("No such customer: 'cus_unknown'", unknown.Message, StringComparison.Ordinal);
        Assert.True(delivered.IsDelivered);
        Assert.True(again.IsDelivered);
        Assert.Equal((MeterEventStatus.Failed, 401), (unauthorized.Status, unauthorized.HttpStatus));
        var stored = Assert.Single(stripe.Events); // the re-send of an identifier is not a second event
        Assert.Equal(("cus_known", 5L, "llm_cost"), (stored.CustomerId, stored.Value, stored.EventName));
    }
}
