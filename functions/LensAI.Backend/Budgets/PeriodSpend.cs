using LensAI.Budgets;

namespace LensAI.Backend.Budgets;

/// <summary>Spend of one period window, by scope.</summary>
internal sealed class PeriodSpend
{
    public decimal ProjectCost { get; set; }

    public long ProjectUnpriced { get; set; }

    /// <summary>Calls of the project whose tokens were estimated.</summary>
    public long ProjectEstimated { get; set; }

    public Dictionary<string, ScopeSpend> ByUser { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, ScopeSpend> ByRoute { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, ScopeSpend> ByModel { get; } = new(StringComparer.Ordinal);

    /// <summary>Keyed <c>key=value</c>, for metadata budgets.</summary>
    public Dictionary<string, ScopeSpend> ByMetadata { get; } = new(StringComparer.Ordinal);

    /// <summary>The latest tier of each user seen in the period (for the default per-user budget).</summary>
    public Dictionary<string, string> UserTiers { get; } = new(StringComparer.Ordinal);

    public ScopeSpend For(string scope, string? value) => scope switch
    {
        BudgetScopeNames.Project => new ScopeSpend(ProjectCost, ProjectUnpriced) { Estimated = ProjectEstimated },
        BudgetScopeNames.User => ByUser.GetValueOrDefault(value ?? "", ScopeSpend.None),
        BudgetScopeNames.Route => ByRoute.GetValueOrDefault(value ?? "", ScopeSpend.None),
        BudgetScopeNames.Model => ModelSpend(value),
        BudgetScopeNames.Metadata => ByMetadata.GetValueOrDefault(value ?? "", ScopeSpend.None),
        _ => ScopeSpend.None,
    };

    /// <summary>A model budget covers its dated snapshots too (<c>gpt-4o</c> covers <c>gpt-4o-2024-08-06</c>).</summary>
    private ScopeSpend ModelSpend(string? model)
    {
        if (model is null)
        {
            return ScopeSpend.None;
        }

        decimal cost = 0;
        long unpriced = 0, estimated = 0;
        var models = new List<string>();
        foreach (var (name, spend) in ByModel)
        {
            if (name.Equals(model, StringComparison.OrdinalIgnoreCase) || string.Equals(LensAI.Pricing.PriceCatalog.StripVersionSuffix(name.ToLowerInvariant()), model, StringComparison.OrdinalIgnoreCase))
            {
                cost += spend.Cost;
                unpriced += spend.Unpriced;
                estimated += spend.Estimated;
                models.AddRange(spend.UnpricedModels);
            }
        }

        return new ScopeSpend(cost, unpriced, models) { Estimated = estimated };
    }

    public static IReadOnlyList<NamedCost> Top(Dictionary<string, ScopeSpend> by, int count)
        => by.OrderByDescending(kv => kv.Value.Cost).Take(count).Select(kv => new NamedCost(kv.Key, kv.Value.Cost)).ToList();
}
