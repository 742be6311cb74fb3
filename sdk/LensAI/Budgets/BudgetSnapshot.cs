namespace LensAI.Budgets;

/// <summary>
/// A budget status document compiled into per-scope indexes: a call's applicable entries are found with a few
/// dictionary lookups (no per-call allocation), however many per-user entries the document holds.
/// </summary>
internal sealed class BudgetSnapshot
{
    private static readonly int[] s_none = [];
    private readonly int[] _project;
    private readonly Dictionary<string, int[]>? _users;
    private readonly Dictionary<string, int[]>? _routes;
    private readonly Dictionary<string, int[]>? _models;
    private readonly Dictionary<string, Dictionary<string, int[]>>? _metadata;

    private BudgetSnapshot(BudgetStatusDocument document, BudgetEntry[] entries, int[] project, Dictionary<string, int[]>? users,
        Dictionary<string, int[]>? routes, Dictionary<string, int[]>? models, Dictionary<string, Dictionary<string, int[]>>? metadata)
    {
        Document = document;
        GeneratedAtTicks = document.GeneratedAt.UtcTicks;
        Entries = entries;
        _project = project;
        _users = users;
        _routes = routes;
        _models = models;
        _metadata = metadata;
    }

    public BudgetStatusDocument Document { get; }

    public long GeneratedAtTicks { get; }

    public BudgetEntry[] Entries { get; }

    /// <summary>Whether any entry is scoped to a model (only then is a model's snapshot suffix worth stripping).</summary>
    public bool HasModelScopes => _models is not null;

    public bool HasMetadataScopes => _metadata is not null;

    /// <summary>
    /// Compiles <paramref name="document"/>. Entries keep the accumulators of <paramref name="previous"/> with the same
    /// budget id, scope and value (in-flight reservations carry over); <paramref name="accumulators"/> gets the new set.
    /// Entries with an unknown scope or without an id are skipped: they never block.
    /// </summary>
    public static BudgetSnapshot Build(BudgetStatusDocument document, Dictionary<(string, string, string?), BudgetAccumulator> previous,
        out Dictionary<(string, string, string?), BudgetAccumulator> accumulators)
    {
        accumulators = new Dictionary<(string, string, string?), BudgetAccumulator>();
        var entries = new List<BudgetEntry>();
        var project = new List<int>();
        Dictionary<string, List<int>>? users = null, routes = null, models = null;
        Dictionary<string, Dictionary<string, List<int>>>? metadata = null;
        foreach (var status in document.Budgets ?? [])
        {
            if (status?.BudgetId is null || status.Scope is null || ParseKind(status.Scope) is not { } kind)
            {
                continue;
            }

            string? metadataKey = null, metadataValue = null;
            if (kind != BudgetScopeKind.Project)
            {
                if (string.IsNullOrEmpty(status.ScopeValue))
                {
                    continue;
                }

                if (kind == BudgetScopeKind.Metadata)
                {
                    var eq = status.ScopeValue.IndexOf('=', StringComparison.Ordinal);
                    if (eq <= 0)
                    {
                        continue;
                    }

                    metadataKey = status.ScopeValue[..eq];
                    metadataValue = status.ScopeValue[(eq + 1)..];
                }
            }

            var key = (status.BudgetId, status.Scope, status.ScopeValue);
            if (!accumulators.TryGetValue(key, out var accumulator))
            {
                accumulator = previous.TryGetValue(key, out var carried) ? carried : new BudgetAccumulator();
                accumulators[key] = accumulator;
            }

            var index = entries.Count;
            entries.Add(new BudgetEntry(status, kind, accumulator));
            switch (kind)
            {
                case BudgetScopeKind.Project:
                    project.Add(index);
                    break;
                case BudgetScopeKind.User:
                    Add(users ??= new Dictionary<string, List<int>>(StringComparer.Ordinal), status.ScopeValue!, index);
                    break;
                case BudgetScopeKind.Route:
                    Add(routes ??= new Dictionary<string, List<int>>(StringComparer.Ordinal), status.ScopeValue!, index);
                    break;
                case BudgetScopeKind.Model:
                    Add(models ??= new Dictionary<string, List<int>>(StringComparer.OrdinalIgnoreCase), status.ScopeValue!, index);
                    break;
                case BudgetScopeKind.Metadata:
                    metadata ??= new Dictionary<string, Dictionary<string, List<int>>>(StringComparer.Ordinal);
                    if (!metadata.TryGetValue(metadataKey!, out var values))
                    {
                        metadata[metadataKey!] = values = new Dictionary<string, List<int>>(StringComparer.Ordinal);
                    }

                    Add(values, metadataValue!, index);
                    break;
            }
        }

        return new BudgetSnapshot(document, entries.ToArray(), project.Count == 0 ? s_none : project.ToArray(),
            Freeze(users), Freeze(routes), Freeze(models),
            metadata?.ToDictionary(p => p.Key, p => Freeze(p.Value)!, StringComparer.Ordinal));
    }

    /// <summary>
    /// Adds the indexes of the entries that apply to a call: every <c>project</c> entry, the call's user and route,
    /// its model (exactly, or without its snapshot suffix: a <c>gpt-4o</c> budget covers <c>gpt-4o-2024-08-06</c>),
    /// and each <c>key=value</c> of its metadata (the call's own metadata over the default metadata).
    /// </summary>
    public void Match(ref EntryMatches matches, string? model, string? strippedModel, string? userId, string? route,
        IReadOnlyDictionary<string, string>? metadata, IReadOnlyDictionary<string, string>? defaultMetadata)
    {
        matches.AddRange(_project);
        if (_users is not null && userId is not null && _users.TryGetValue(userId, out var u))
        {
            matches.AddRange(u);
        }

        if (_routes is not null && route is not null && _routes.TryGetValue(route, out var r))
        {
            matches.AddRange(r);
        }

        if (_models is not null && model is not null)
        {
            if (_models.TryGetValue(model, out var m))
            {
                matches.AddRange(m);
            }

            if (strippedModel is not null && strippedModel.Length != model.Length && _models.TryGetValue(strippedModel, out var s))
            {
                matches.AddRange(s);
            }
        }

        if (_metadata is not null)
        {
            if (metadata is not null)
            {
                if (metadata is Dictionary<string, string> dictionary)
                {
                    foreach (var (key, value) in dictionary)
                    {
                        MatchMetadata(ref matches, key, value);
                    }
                }
                else
                {
                    foreach (var (key, value) in metadata)
                    {
                        MatchMetadata(ref matches, key, value);
                    }
                }
            }

            if (defaultMetadata is not null)
            {
                foreach (var (key, value) in defaultMetadata)
                {
                    if (metadata is null || !metadata.ContainsKey(key))
                    {
                        MatchMetadata(ref matches, key, value);
                    }
                }
            }
        }
    }

    private void MatchMetadata(ref EntryMatches matches, string key, string value)
    {
        if (_metadata!.TryGetValue(key, out var values) && value is not null && values.TryGetValue(value, out var found))
        {
            matches.AddRange(found);
        }
    }

    internal static BudgetScopeKind? ParseKind(string scope) => scope.ToLowerInvariant() switch
    {
        BudgetScopeNames.Project => BudgetScopeKind.Project,
        BudgetScopeNames.User => BudgetScopeKind.User,
        BudgetScopeNames.Route => BudgetScopeKind.Route,
        BudgetScopeNames.Model => BudgetScopeKind.Model,
        BudgetScopeNames.Metadata => BudgetScopeKind.Metadata,
        _ => null,
    };

    private static void Add(Dictionary<string, List<int>> index, string key, int entry)
    {
        if (!index.TryGetValue(key, out var list))
        {
            index[key] = list = [];
        }

        list.Add(entry);
    }

    private static Dictionary<string, int[]>? Freeze(Dictionary<string, List<int>>? index)
        => index?.ToDictionary(p => p.Key, p => p.Value.ToArray(), index.Comparer);
}
