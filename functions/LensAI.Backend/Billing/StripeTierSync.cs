using System.Text.Json;
using System.Text.RegularExpressions;
using LensAI.Backend.Budgets;
using Microsoft.Extensions.Logging;
using Stripe;

namespace LensAI.Backend.Billing;

/// <summary>
/// Turns verified Stripe subscription events into users' tiers, so the project's per-user tier budgets follow what
/// each customer pays for: <c>customer.subscription.created</c> and <c>…updated</c> set the tier of the subscription's
/// price or product (<see cref="StripeOptions.Tiers"/>), <c>…deleted</c> (or a canceled, unpaid or expired status) sets
/// <see cref="StripeOptions.CanceledTier"/>. The user is the subscription's <see cref="StripeOptions.UserMetadataKey"/>
/// metadata, else the customer's user in the project's customer map. Each event id is handled once: a record per
/// event (<c>_system/stripe-events/&lt;id&gt;.json</c>) is created only if absent before anything changes, so a replay
/// or a retry by Stripe changes nothing, across restarts and instances.
/// </summary>
internal sealed partial class StripeTierSync(StripeOptions options, BudgetStore budgets, TimeProvider time, ILogger<StripeTierSync> logger)
{
    private static readonly string[] Handled = ["customer.subscription.created", "customer.subscription.updated", "customer.subscription.deleted"];

    /// <summary>Applies one verified event. Throws only for a storage failure (Stripe then retries the delivery).</summary>
    public async Task<StripeTierOutcome> ApplyAsync(Event stripeEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stripeEvent);
        if (!Handled.Contains(stripeEvent.Type, StringComparer.Ordinal) || stripeEvent.Data?.Object is not Subscription subscription)
        {
            return new StripeTierOutcome("ignored", $"'{stripeEvent.Type}' does not change a tier.");
        }

        if (!EventIdPattern().IsMatch(stripeEvent.Id ?? string.Empty))
        {
            return new StripeTierOutcome("ignored", "The event has no valid id.");
        }

        var project = options.WebhookProject!;
        var record = $"_system/stripe-events/{stripeEvent.Id}.json";
        var claim = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string>
        {
            ["type"] = stripeEvent.Type,
            ["subscription"] = subscription.Id ?? string.Empty,
            ["received_at"] = time.GetUtcNow().ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        });
        if (await budgets.Store.PutConditionalAsync(record, claim, null, cancellationToken).ConfigureAwait(false) is null)
        {
            return new StripeTierOutcome("duplicate", $"Event {stripeEvent.Id} was already handled.");
        }

        try
        {
            var user = await UserOfAsync(project, subscription, cancellationToken).ConfigureAwait(false);
            if (user is null)
            {
                LogUnmapped(logger, stripeEvent.Id!, subscription.CustomerId ?? "");
                return new StripeTierOutcome("unmapped", $"No LensAI user for customer {subscription.CustomerId}: set subscription metadata '{options.UserMetadataKey}' or map the customer.");
            }

            var tier = TierOf(stripeEvent.Type, subscription);
            if (tier is null)
            {
                return new StripeTierOutcome("unmapped", "None of the subscription's prices or products is in LensAI:Backend:Stripe:Tiers.", user);
            }

            var (before, changed) = await budgets.SetUserTierAsync(project, user,
                new AssignedTier { Tier = tier, Source = "stripe", At = stripeEvent.Created == default ? time.GetUtcNow() : new DateTimeOffset(DateTime.SpecifyKind(stripeEvent.Created, DateTimeKind.Utc)), Reference = subscription.Id },
                "stripe:" + stripeEvent.Id, stripeEvent.Type, cancellationToken).ConfigureAwait(false);
            return new StripeTierOutcome(changed ? "tier_set" : "unchanged", changed ? $"{user}: {before ?? "(none)"} → {tier}" : $"{user} stays {before}.", user, changed ? tier : before);
        }
        catch
        {
            // Nothing changed for sure: forget the claim, so Stripe's retry of this event is handled.
            await budgets.Store.DeleteAsync(record, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The tier a subscription event means, or null when none of its prices or products is mapped.</summary>
    internal string? TierOf(string type, Subscription subscription)
    {
        if (type == "customer.subscription.deleted" || subscription.Status is "canceled" or "unpaid" or "incomplete_expired")
        {
            return options.CanceledTier;
        }

        foreach (var item in subscription.Items?.Data ?? [])
        {
            if (item.Price?.Id is { } price && options.Tiers.TryGetValue(price, out var byPrice))
            {
                return byPrice;
            }

            if (item.Price?.ProductId is { } product && options.Tiers.TryGetValue(product, out var byProduct))
            {
                return byProduct;
            }
        }

        return null;
    }

    private async Task<string?> UserOfAsync(string project, Subscription subscription, CancellationToken cancellationToken)
    {
        if (subscription.Metadata?.TryGetValue(options.UserMetadataKey, out var fromMetadata) == true && !string.IsNullOrWhiteSpace(fromMetadata))
        {
            return fromMetadata;
        }

        var stored = await budgets.Store.GetAsync($"_system/stripe/{project}.json", cancellationToken).ConfigureAwait(false);
        var map = stored is null ? null : JsonSerializer.Deserialize(stored.Content, StripeJsonContext.Default.StripeCustomerMap);
        return map?.Users.FirstOrDefault(u => u.Value == subscription.CustomerId).Key;
    }

    [GeneratedRegex("^evt_[A-Za-z0-9_]{1,200}$")]
    private static partial Regex EventIdPattern();

    [LoggerMessage(1, LogLevel.Warning, "Stripe event {EventId}: no LensAI user for customer {CustomerId}; the tier is unchanged.")]
    private static partial void LogUnmapped(ILogger logger, string eventId, string customerId);
}

/// <summary>What a subscription event did: <c>tier_set</c>, <c>unchanged</c>, <c>duplicate</c>, <c>unmapped</c> or <c>ignored</c>.</summary>
internal sealed record StripeTierOutcome(string Outcome, string Detail, string? User = null, string? Tier = null);
