namespace LensAI.Backend.Budgets;

/// <summary>Cost and unpriced calls of one scope in one period.</summary>
internal sealed record ScopeSpend(decimal Cost, long Unpriced, IReadOnlyList<string>? Models = null)
{
    public static readonly ScopeSpend None = new(0m, 0);

    public IReadOnlyList<string> UnpricedModels => Models ?? [];

    /// <summary>Calls whose tokens were estimated (usage_estimated): counted in <see cref="Cost"/> at their estimate, never as $0.</summary>
    public long Estimated { get; init; }
}
