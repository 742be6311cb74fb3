using System.Collections.Frozen;

namespace LensAI.Samples.ChatBilling;

/// <summary>A customer of the chat service: their plan and who pays in Stripe.</summary>
/// <param name="Id">The user id (what LensAI records as <c>user_id</c>).</param>
/// <param name="Tier"><c>free</c> or <c>pro</c>: sent as the <c>tier</c> metadata on every call, which picks the quota.</param>
/// <param name="StripeCustomerId">The Stripe customer billed for the user's usage (<c>cus_…</c>).</param>
public sealed record ChatUser(string Id, string Tier, string StripeCustomerId);

/// <summary>The service's users. A real service keeps them in its database; the sample has three.</summary>
public sealed class UserDirectory
{
    private readonly FrozenDictionary<string, ChatUser> _users;

    /// <summary>A directory of <paramref name="users"/>.</summary>
    public UserDirectory(IEnumerable<ChatUser> users)
    {
        ArgumentNullException.ThrowIfNull(users);
        _users = users.ToFrozenDictionary(u => u.Id, StringComparer.Ordinal);
    }

    /// <summary>Every user.</summary>
    public IEnumerable<ChatUser> All => _users.Values.OrderBy(u => u.Id, StringComparer.Ordinal);

    /// <summary>The user with <paramref name="id"/>, or null.</summary>
    public ChatUser? Find(string? id) => id is not null && _users.TryGetValue(id, out var user) ? user : null;

    /// <summary>
    /// The sample's users: alice on the free plan, bob and carol on pro. <paramref name="customers"/> overrides their
    /// Stripe customer ids (<c>alice=cus_…</c>), for a run against a real Stripe account.
    /// </summary>
    public static UserDirectory Sample(IReadOnlyDictionary<string, string>? customers = null)
    {
        string Customer(string user) => customers is not null && customers.TryGetValue(user, out var id) ? id : "cus_sample_" + user;
        return new UserDirectory(
        [
            new ChatUser("alice", Tiers.Free, Customer("alice")),
            new ChatUser("bob", Tiers.Pro, Customer("bob")),
            new ChatUser("carol", Tiers.Pro, Customer("carol")),
        ]);
    }
}

/// <summary>The plans and their LLM quotas, enforced by LensAI budgets.</summary>
public static class Tiers
{
    /// <summary>The free plan.</summary>
    public const string Free = "free";

    /// <summary>The paid plan.</summary>
    public const string Pro = "pro";

    /// <summary>
    /// The free plan's daily LLM quota in US dollars. Tiny on purpose: the replayed gpt-4o-mini answer costs
    /// $0.00000705, so a free user reaches it in three messages and the demo shows the block.
    /// </summary>
    public const decimal FreeDailyUsd = 0.00002m;

    /// <summary>The pro plan's monthly LLM quota in US dollars.</summary>
    public const decimal ProMonthlyUsd = 5m;

    /// <summary>
    /// The project's budgets file (<c>PUT /v1/budgets</c>): no budget of its own for anyone, a default per-user budget
    /// chosen by the <c>tier</c> metadata of the user's calls — free: a daily quota, pro: a monthly one, both
    /// <c>block</c>, so the SDK refuses a call of a user over quota before it reaches OpenAI.
    /// </summary>
    public static string BudgetsJson => $$"""
        {
          "budgets": [],
          "default_user_budget": {
            "tier_metadata_key": "tier",
            "default_tier": "{{Free}}",
            "tiers": {
              "{{Free}}": { "amount_usd": {{FreeDailyUsd.ToString(System.Globalization.CultureInfo.InvariantCulture)}}, "period": "daily", "action": "block" },
              "{{Pro}}": { "amount_usd": {{ProMonthlyUsd.ToString(System.Globalization.CultureInfo.InvariantCulture)}}, "period": "monthly", "action": "block" }
            }
          }
        }
        """;
}
