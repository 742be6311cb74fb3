using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace LensAI.Pricing;

/// <summary>
/// A dated catalogue of public LLM list prices and the cost math that uses it.
/// <see cref="Default"/> is the catalogue embedded in this package; it is usable without any client:
/// <c>PriceCatalog.Default.Calculate("openai", "gpt-4o-mini", new TokenUsage(1200, 300))</c>.
/// </summary>
/// <remarks>
/// A model resolves by exact name first, then by alias, then with a trailing date or version suffix removed
/// (<c>gpt-4o-2024-08-06</c> → <c>gpt-4o</c> only when no exact entry exists). Azure OpenAI falls back to OpenAI
/// prices and Vertex AI to Gemini prices. Fine-tuned models (<c>ft:…</c>) never resolve to their base model:
/// give them an override. A model that does not resolve is unpriced: <see cref="Calculate"/> returns
/// <see langword="null"/>, never 0.
/// </remarks>
public sealed class PriceCatalog
{
    private const int MaxCachedLookups = 4096;
    private static readonly Lazy<PriceCatalog> s_default = new(LoadEmbedded);

    private readonly Dictionary<(string Provider, string Model), Entry> _entries;
    private readonly Dictionary<string, string> _modelAliases;
    private readonly Dictionary<string, decimal> _discounts;
    private readonly ConcurrentDictionary<(string Provider, string Model), Entry?> _lookups = new();

    private PriceCatalog(string version, IEnumerable<Entry> entries, IReadOnlyList<UnpricedModel> unpriced,
        Dictionary<string, string> modelAliases, Dictionary<string, decimal> discounts)
    {
        Version = version;
        _entries = new Dictionary<(string, string), Entry>();
        foreach (var entry in entries)
        {
            var provider = entry.Price.Provider.ToLowerInvariant();
            _entries[(provider, entry.Price.Model.ToLowerInvariant())] = entry;
            foreach (var alias in entry.Price.Aliases)
            {
                _entries.TryAdd((provider, alias.ToLowerInvariant()), entry);
            }
        }

        Unpriced = unpriced;
        _modelAliases = modelAliases;
        _discounts = discounts;
    }

    /// <summary>The catalogue embedded in this package.</summary>
    public static PriceCatalog Default => s_default.Value;

    /// <summary>The date of the catalogue (<c>yyyy-MM-dd</c>): the day its prices were read from the providers' pricing pages.</summary>
    public string Version { get; }

    /// <summary>Every priced model (aliases not repeated).</summary>
    public IEnumerable<ModelPrice> Models => _entries.Values.Distinct().Select(e => e.Price);

    /// <summary>Models the catalogue knows it cannot price (no public list price found), with the reason.</summary>
    public IReadOnlyList<UnpricedModel> Unpriced { get; }

    /// <summary>
    /// Computes the cost in US dollars of a call to <paramref name="model"/> with <paramref name="usage"/>,
    /// or <see langword="null"/> when the catalogue has no price for the model.
    /// </summary>
    /// <exception cref="ArgumentException">The usage counts are inconsistent (see <see cref="TokenUsage.Validate"/>).</exception>
    public decimal? Calculate(string provider, string model, TokenUsage usage)
        => TryCalculate(provider, model, usage, out var cost, out _) ? cost : null;

    /// <summary>Finds the price entry that <paramref name="model"/> resolves to.</summary>
    public bool TryGetPrice(string provider, string model, [NotNullWhen(true)] out ModelPrice? price)
    {
        price = Resolve(provider, model)?.Price;
        return price is not null;
    }

    /// <summary>
    /// Returns a catalogue with <paramref name="overrides"/> taking precedence over this one's entries (fine-tuned or
    /// custom models, negotiated prices), <paramref name="modelAliases"/> mapping names to catalogue models
    /// (an Azure deployment name to its base model), and <paramref name="discounts"/> per provider
    /// (0.2 = 20 % off every price of that provider).
    /// </summary>
    public PriceCatalog WithOverrides(
        IEnumerable<ModelPrice>? overrides = null,
        IReadOnlyDictionary<string, string>? modelAliases = null,
        IReadOnlyDictionary<string, decimal>? discounts = null)
    {
        var entries = _entries.Values.Distinct().ToList();
        foreach (var price in overrides ?? [])
        {
            ArgumentNullException.ThrowIfNull(price);
            if (string.IsNullOrWhiteSpace(price.Provider) || string.IsNullOrWhiteSpace(price.Model))
            {
                throw new ArgumentException("A price override needs both Provider and Model.", nameof(overrides));
            }

            entries.Add(new Entry(price, $"override:{price.Provider.ToLowerInvariant()}/{price.Model}"));
        }

        var aliases = new Dictionary<string, string>(_modelAliases, StringComparer.OrdinalIgnoreCase);
        foreach (var (from, to) in modelAliases ?? new Dictionary<string, string>())
        {
            aliases[from] = to;
        }

        var discountMap = new Dictionary<string, decimal>(_discounts, StringComparer.OrdinalIgnoreCase);
        foreach (var (provider, discount) in discounts ?? new Dictionary<string, decimal>())
        {
            if (discount is < 0 or >= 1)
            {
                throw new ArgumentOutOfRangeException(nameof(discounts), discount, $"The discount for '{provider}' must be in [0, 1).");
            }

            discountMap[provider] = discount;
        }

        return new PriceCatalog(Version, entries, Unpriced, aliases, discountMap);
    }

    /// <summary>Loads a catalogue from JSON in the format of the embedded <c>prices.json</c>.</summary>
    /// <exception cref="FormatException">The JSON does not describe a catalogue; the message names the bad entry.</exception>
    public static PriceCatalog Load(Stream json)
    {
        ArgumentNullException.ThrowIfNull(json);
        using var document = JsonDocument.Parse(json);
        return Parse(document.RootElement);
    }

    /// <summary>
    /// Computes the cost of a call and names the catalogue entry that priced it (<c>&lt;catalogue date&gt;:&lt;provider&gt;/&lt;model&gt;</c>,
    /// or <c>override:…</c>). Returns <see langword="false"/> when the model has no price.
    /// </summary>
    /// <exception cref="ArgumentException">The usage counts are inconsistent (see <see cref="TokenUsage.Validate"/>).</exception>
    public bool TryCalculate(string provider, string model, TokenUsage usage, out decimal cost, [NotNullWhen(true)] out string? priceVersion)
    {
        var entry = Resolve(provider, model);
        if (entry is null)
        {
            cost = 0;
            priceVersion = null;
            return false;
        }

        cost = entry.Price.Calculate(usage);
        if (_discounts.Count > 0 && _discounts.TryGetValue(entry.Price.Provider, out var discount))
        {
            cost = decimal.Round(cost * (1 - discount), 9, MidpointRounding.AwayFromZero);
        }

        priceVersion = entry.Version;
        return true;
    }

    private Entry? Resolve(string provider, string model)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(model);
        if (_lookups.TryGetValue((provider, model), out var cached))
        {
            return cached;
        }

        var resolved = ResolveUncached(provider.ToLowerInvariant(), model.Trim());
        if (_lookups.Count < MaxCachedLookups)
        {
            _lookups.TryAdd((provider, model), resolved);
        }

        return resolved;
    }

    private Entry? ResolveUncached(string provider, string model)
    {
        if (_modelAliases.TryGetValue(model, out var aliased))
        {
            model = aliased;
        }

        foreach (var candidateProvider in ProviderChain(provider))
        {
            foreach (var candidate in ModelCandidates(model))
            {
                if (_entries.TryGetValue((candidateProvider, candidate), out var entry))
                {
                    return entry;
                }
            }
        }

        return null;
    }

    private static IEnumerable<string> ProviderChain(string provider)
    {
        yield return provider;
        switch (provider)
        {
            case "azure_openai" or "azure":
                yield return "openai";
                break;
            case "vertex_ai" or "vertex":
                yield return "gemini";
                break;
        }
    }

    internal static IEnumerable<string> ModelCandidates(string model)
    {
        var name = model.ToLowerInvariant();
        yield return name;
        if (name.StartsWith("ft:", StringComparison.Ordinal))
        {
            // A fine-tuned model (ft:<base>:<org>:<suffix>:<id>) bills its base's fine-tuned rate, never the base's own:
            // ft:<base> is the only fallback (an override for the full name still wins).
            var end = name.IndexOf(':', 3);
            if (end > 3)
            {
                yield return name[..end];
            }

            yield break;
        }

        foreach (var prefix in s_prefixes)
        {
            if (name.StartsWith(prefix, StringComparison.Ordinal))
            {
                name = name[prefix.Length..];
                yield return name;
            }
        }

        var stripped = StripVersionSuffix(name);
        if (stripped != name)
        {
            yield return stripped;
        }
    }

    private static readonly string[] s_prefixes = ["models/", "openai/", "anthropic/", "google/", "gemini/", "mistralai/", "mistral/"];

    /// <summary>
    /// Removes one trailing snapshot suffix from a lower-case model name: <c>-2024-08-06</c>, <c>-20250514</c>,
    /// <c>@20240620</c>, <c>-001</c>, <c>-2409</c>, <c>-latest</c>. The catalogue falls back to the result when a
    /// dated name has no entry, and a budget on a model covers the model's snapshots by it (on both sides).
    /// </summary>
    /// <param name="name">A model name in lower case (<c>gpt-4o-2024-08-06</c>).</param>
    /// <returns>The name without its suffix (<c>gpt-4o</c>), or <paramref name="name"/> when it has none.</returns>
    public static string StripVersionSuffix(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var span = name.AsSpan();
        if (span.EndsWith("-latest", StringComparison.Ordinal))
        {
            return name[..^"-latest".Length];
        }

        // -yyyy-mm-dd
        if (span.Length > 11 && span[^11] == '-' && IsDigits(span[^10..^6]) && span[^6] == '-' && IsDigits(span[^5..^3]) && span[^3] == '-' && IsDigits(span[^2..]))
        {
            return name[..^11];
        }

        // -yyyymmdd or @yyyymmdd
        if (span.Length > 9 && span[^9] is '-' or '@' && IsDigits(span[^8..]))
        {
            return name[..^9];
        }

        // -001 (Gemini), -2409 / -2411 (Mistral yymm)
        if (span.Length > 5 && span[^5] == '-' && IsDigits(span[^4..]))
        {
            return name[..^5];
        }

        if (span.Length > 4 && span[^4] == '-' && IsDigits(span[^3..]))
        {
            return name[..^4];
        }

        return name;
    }

    private static bool IsDigits(ReadOnlySpan<char> span)
    {
        foreach (var c in span)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }

        return span.Length > 0;
    }

    private static PriceCatalog LoadEmbedded()
    {
        using var stream = typeof(PriceCatalog).Assembly.GetManifestResourceStream("LensAI.Pricing.prices.json")
            ?? throw new InvalidOperationException("The embedded price catalogue LensAI.Pricing.prices.json is missing from the LensAI.Contract assembly.");
        return Load(stream);
    }

    private static PriceCatalog Parse(JsonElement root)
    {
        var version = root.TryGetProperty("version", out var v) && v.GetString() is { Length: > 0 } s
            ? s
            : throw new FormatException("The price catalogue has no \"version\".");
        if (!root.TryGetProperty("models", out var models) || models.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException("The price catalogue has no \"models\" array.");
        }

        // Provider-wide service-tier factors (a provider's batch discount): a model's own "service_tiers" win.
        var providerFactors = new Dictionary<string, Dictionary<string, decimal>>(StringComparer.OrdinalIgnoreCase);
        if (root.TryGetProperty("service_tier_factors", out var f) && f.ValueKind == JsonValueKind.Object)
        {
            foreach (var provider in f.EnumerateObject())
            {
                providerFactors[provider.Name] = ParseFactors(f, provider.Name, $"service_tier_factors/{provider.Name}");
            }
        }

        var entries = new List<Entry>();
        var index = 0;
        foreach (var m in models.EnumerateArray())
        {
            try
            {
                var price = ParsePrice(m, providerFactors);
                entries.Add(new Entry(price, $"{version}:{price.Provider}/{price.Model}"));
            }
            catch (Exception ex) when (ex is InvalidOperationException or KeyNotFoundException or FormatException)
            {
                throw new FormatException($"Price catalogue entry /models/{index} is invalid: {ex.Message}", ex);
            }

            index++;
        }

        var unpriced = new List<UnpricedModel>();
        if (root.TryGetProperty("unpriced", out var u) && u.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in u.EnumerateArray())
            {
                unpriced.Add(new UnpricedModel(
                    item.GetProperty("provider").GetString()!,
                    item.GetProperty("model").GetString()!,
                    item.TryGetProperty("reason", out var r) ? r.GetString() ?? "" : ""));
            }
        }

        return new PriceCatalog(version, entries, unpriced,
            new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase),
            new Dictionary<string, decimal>(StringComparer.OrdinalIgnoreCase));
    }

    private static ModelPrice ParsePrice(JsonElement m, Dictionary<string, Dictionary<string, decimal>> providerFactors)
    {
        var tiers = new List<PriceTier>();
        if (m.TryGetProperty("tiers", out var t) && t.ValueKind == JsonValueKind.Array)
        {
            foreach (var tier in t.EnumerateArray())
            {
                tiers.Add(new PriceTier
                {
                    AboveInputTokens = tier.GetProperty("above_input_tokens").GetInt32(),
                    InputPerMillion = tier.GetProperty("input").GetDecimal(),
                    OutputPerMillion = tier.GetProperty("output").GetDecimal(),
                    CachedInputPerMillion = OptionalDecimal(tier, "cached_input"),
                    CacheWritePerMillion = OptionalDecimal(tier, "cache_write"),
                    CacheWrite1hPerMillion = OptionalDecimal(tier, "cache_write_1h"),
                });
            }

            tiers.Sort((a, b) => a.AboveInputTokens.CompareTo(b.AboveInputTokens));
        }

        var aliases = new List<string>();
        if (m.TryGetProperty("aliases", out var a) && a.ValueKind == JsonValueKind.Array)
        {
            foreach (var alias in a.EnumerateArray())
            {
                aliases.Add(alias.GetString()!);
            }
        }

        var price = new ModelPrice
        {
            Provider = m.GetProperty("provider").GetString() ?? throw new FormatException("\"provider\" is null."),
            Model = m.GetProperty("model").GetString() ?? throw new FormatException("\"model\" is null."),
            Aliases = aliases,
            InputPerMillion = m.GetProperty("input").GetDecimal(),
            OutputPerMillion = m.GetProperty("output").GetDecimal(),
            CachedInputPerMillion = OptionalDecimal(m, "cached_input"),
            CacheWritePerMillion = OptionalDecimal(m, "cache_write"),
            CacheWrite1hPerMillion = OptionalDecimal(m, "cache_write_1h"),
            AudioInputPerMillion = OptionalDecimal(m, "audio_input"),
            CachedAudioInputPerMillion = OptionalDecimal(m, "cached_audio_input"),
            AudioOutputPerMillion = OptionalDecimal(m, "audio_output"),
            PerRequest = OptionalDecimal(m, "per_request") ?? 0m,
            Tiers = tiers,
            ServiceTierFactors = TierFactors(m, providerFactors),
            Source = m.TryGetProperty("source", out var src) ? src.GetString() : null,
            Kind = m.TryGetProperty("kind", out var kind) ? kind.GetString() : null,
        };
        if (price.InputPerMillion < 0 || price.OutputPerMillion < 0)
        {
            throw new FormatException($"{price.Provider}/{price.Model} has a negative price.");
        }

        return price;
    }

    private static Dictionary<string, decimal> TierFactors(JsonElement m, Dictionary<string, Dictionary<string, decimal>> providerFactors)
    {
        var provider = m.GetProperty("provider").GetString() ?? "";
        var factors = ParseFactors(m, "service_tiers", $"{provider}/{m.GetProperty("model").GetString()}");
        if (providerFactors.TryGetValue(provider, out var defaults))
        {
            foreach (var (tier, factor) in defaults)
            {
                factors.TryAdd(tier, factor);
            }
        }

        return factors;
    }

    /// <summary>Reads a <c>{"flex": 0.5, "priority": 2}</c> object of service-tier factors.</summary>
    private static Dictionary<string, decimal> ParseFactors(JsonElement element, string name, string owner)
    {
        var factors = new Dictionary<string, decimal>(StringComparer.OrdinalIgnoreCase);
        if (!element.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.Object)
        {
            return factors;
        }

        foreach (var tier in value.EnumerateObject())
        {
            if (tier.Value.ValueKind != JsonValueKind.Number || tier.Value.GetDecimal() is var factor && factor <= 0)
            {
                throw new FormatException($"{owner}: the service tier factor \"{tier.Name}\" must be a positive number.");
            }

            factors[tier.Name.ToLowerInvariant()] = factor;
        }

        return factors;
    }

    private static decimal? OptionalDecimal(JsonElement element, string name)
        => element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDecimal() : null;

    private sealed record Entry(ModelPrice Price, string Version);
}
