using System.Text.Json;
using System.Text.RegularExpressions;
using LensAI.Pricing;
using LensAI.Testing;

namespace LensAI.Contract.Tests.Pricing;

/// <summary>What the embedded catalogue must cover, and the rules every entry must keep.</summary>
public sealed partial class CatalogCoverageTests
{
    private static readonly string[] s_providers = ["openai", "anthropic", "gemini", "mistral"];
    private static readonly string[] s_kinds = ["chat", "reasoning", "embedding"];

    /// <summary>Fixture folder → the catalogue provider its responses are priced under.</summary>
    private static readonly Dictionary<string, string> s_fixtureProviders = new()
    {
        ["openai"] = "openai",
        ["azure-openai"] = "openai",
        ["anthropic"] = "anthropic",
        ["gemini"] = "gemini",
    };

    [Fact]
    public void Catalogue_is_dated()
        => Assert.Equal("2026-11-21", PriceCatalog.Default.Version);

    [Fact]
    public void Every_model_in_the_recorded_responses_is_priced_or_deliberately_unpriced()
    {
        var found = FixtureModels();

        // Guard against the scan silently finding nothing.
        Assert.Contains(("openai", "gpt-4o-mini-2024-07-18"), found);
        Assert.Contains(("openai", "gpt-5.6-sol"), found);
        Assert.Contains(("anthropic", "claude-sonnet-4-6"), found);
        Assert.Contains(("gemini", "gemini-2.5-flash"), found);

        var missing = found
            .Where(f => !PriceCatalog.Default.TryGetPrice(f.Provider, f.Model, out _) && !IsUnpriced(f.Provider, f.Model))
            .Select(f => $"{f.Provider}/{f.Model}")
            .ToList();
        Assert.True(missing.Count == 0, "Neither priced nor listed in \"unpriced\": " + string.Join(", ", missing));
    }

    /// <summary>
    /// Every OpenAI, Anthropic, Gemini and Mistral chat, responses and embedding model in the public LiteLLM catalogue
    /// (../shared/fixtures/prices, 2026-03-03) that was not deprecated before 2024 either gets a price from our catalogue
    /// or is listed in "unpriced" with its reason: a model a user may call is never silently unknown.
    /// </summary>
    [Fact]
    public void Every_current_model_in_the_public_catalogue_is_priced_or_deliberately_unpriced()
    {
        var listed = PublicCatalogueModels();
        Assert.True(listed.Count > 200, $"the scan found only {listed.Count} models");
        var unknown = listed
            .Where(m => !PriceCatalog.Default.TryGetPrice(m.Provider, m.Model, out _) && !IsUnpriced(m.Provider, m.Model))
            .Select(m => $"{m.Provider}/{m.Model}")
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.True(unknown.Count == 0, $"{unknown.Count} neither priced nor listed in \"unpriced\": " + string.Join(", ", unknown));
    }

    private static List<(string Provider, string Model)> PublicCatalogueModels()
    {
        using var stream = File.OpenRead(Fixtures.PathOf("prices/model_prices_and_context_window.json"));
        using var document = JsonDocument.Parse(stream);
        var models = new List<(string, string)>();
        foreach (var entry in document.RootElement.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.Object
                || !entry.Value.TryGetProperty("litellm_provider", out var litellmProvider)
                || !entry.Value.TryGetProperty("mode", out var mode)
                || mode.GetString() is not ("chat" or "responses" or "embedding"))
            {
                continue;
            }

            var provider = litellmProvider.GetString() switch
            {
                "openai" => "openai",
                "anthropic" => "anthropic",
                "gemini" => "gemini",
                "mistral" => "mistral",
                _ => null,
            };
            if (provider is null
                || (entry.Value.TryGetProperty("deprecation_date", out var deprecated)
                    && string.CompareOrdinal(deprecated.GetString(), "2024-01-01") < 0))
            {
                continue;
            }

            var name = entry.Name;
            var slash = name.IndexOf('/', StringComparison.Ordinal);
            models.Add((provider, slash < 0 ? name : name[(slash + 1)..]));
        }

        return models;
    }

    [Theory]
    [InlineData("openai", "gpt-4o-mini-2024-07-18", "gpt-4o-mini")]
    [InlineData("openai", "gpt-4o-2024-08-06", "gpt-4o")]
    [InlineData("openai", "gpt-4o-2024-11-20", "gpt-4o")]
    [InlineData("openai", "gpt-4o-0806", "gpt-4o")] // Azure deployment name in the fixtures: strips to the family
    [InlineData("openai", "o1-2024-12-17", "o1")]
    [InlineData("openai", "o3-mini-2025-01-31", "o3-mini")]
    [InlineData("openai", "gpt-5-2025-08-07", "gpt-5")]
    [InlineData("openai", "gpt-5.1-2025-11-13", "gpt-5.1")]
    [InlineData("openai", "gpt-5.5", "gpt-5.5")]
    [InlineData("openai", "text-embedding-3-small", "text-embedding-3-small")]
    [InlineData("anthropic", "claude-sonnet-4-5-20250929", "claude-sonnet-4-5")]
    [InlineData("anthropic", "claude-sonnet-4-20250514", "claude-sonnet-4")]
    [InlineData("anthropic", "claude-sonnet-4-0", "claude-sonnet-4")]
    [InlineData("anthropic", "claude-sonnet-4-6", "claude-sonnet-4-6")]
    [InlineData("anthropic", "claude-opus-4-6", "claude-opus-4-6")]
    [InlineData("gemini", "gemini-2.5-flash", "gemini-2.5-flash")]
    [InlineData("gemini", "models/gemini-2.5-flash", "gemini-2.5-flash")]
    [InlineData("gemini", "gemini-3-flash-preview", "gemini-3-flash-preview")]
    [InlineData("vertex_ai", "gemini-3-flash-preview", "gemini-3-flash-preview")]
    [InlineData("azure_openai", "gpt-5.5", "gpt-5.5")]
    public void Fixture_models_resolve_to_their_family(string provider, string model, string family)
    {
        Assert.True(PriceCatalog.Default.TryGetPrice(provider, model, out var price), $"{provider}/{model} is unpriced");
        Assert.Equal(family, price.Model);
    }

    [Theory]
    [InlineData("openai", "gpt-5.6-sol")]
    [InlineData("openai", "gpt-5.6")]
    [InlineData("openai", "gpt-5.6-terra")]
    [InlineData("openai", "gpt-5.6-luna")]
    [InlineData("openai", "gpt-4o-search-preview")]
    [InlineData("openai", "gpt-4o-realtime-preview")]
    [InlineData("openai", "gpt-5.2-proo")]
    [InlineData("anthropic", "claude-opus-4-8")]
    [InlineData("anthropic", "claude-sonet-4-5")]
    [InlineData("gemini", "text-embedding-004")]
    [InlineData("gemini", "gemini-3.5-flash")]
    [InlineData("gemini", "gemini-3.6-flahs")]
    [InlineData("mistral", "mistral-medium-latest")]
    public void Models_without_a_public_list_price_stay_unpriced(string provider, string model)
    {
        Assert.Null(PriceCatalog.Default.Calculate(provider, model, new TokenUsage(1000, 100)));
        Assert.True(IsUnpriced(provider, model), $"{provider}/{model} should be listed in \"unpriced\" with its reason");
    }

    [Fact]
    public void Every_unpriced_entry_has_a_reason_and_really_does_not_resolve()
    {
        Assert.NotEmpty(PriceCatalog.Default.Unpriced);
        Assert.All(PriceCatalog.Default.Unpriced, u =>
        {
            Assert.Contains(u.Provider, s_providers);
            Assert.False(string.IsNullOrWhiteSpace(u.Reason), $"{u.Provider}/{u.Model} has no reason");
            Assert.False(PriceCatalog.Default.TryGetPrice(u.Provider, u.Model, out var price), $"{u.Provider}/{u.Model} is listed as unpriced but resolves to {price?.Model}");
        });
    }

    public static TheoryData<string, string> RequiredFamilies() => new()
    {
        { "openai", "gpt-4o" }, { "openai", "gpt-4o-2024-05-13" }, { "openai", "gpt-4o-mini" }, { "openai", "chatgpt-4o-latest" },
        { "openai", "gpt-4.1" }, { "openai", "gpt-4.1-mini" }, { "openai", "gpt-4.1-nano" }, { "openai", "gpt-4.5-preview" },
        { "openai", "gpt-4-turbo" }, { "openai", "gpt-4" }, { "openai", "gpt-3.5-turbo" },
        { "openai", "o1" }, { "openai", "o1-mini" }, { "openai", "o1-pro" }, { "openai", "o3" }, { "openai", "o3-mini" },
        { "openai", "o3-pro" }, { "openai", "o4-mini" }, { "openai", "codex-mini-latest" },
        { "openai", "gpt-5" }, { "openai", "gpt-5-mini" }, { "openai", "gpt-5-nano" }, { "openai", "gpt-5-chat-latest" },
        { "openai", "gpt-5-codex" }, { "openai", "gpt-5-pro" }, { "openai", "gpt-5.1" }, { "openai", "gpt-5.1-codex" },
        { "openai", "gpt-5.1-codex-mini" }, { "openai", "gpt-5.1-codex-max" }, { "openai", "gpt-5.2" }, { "openai", "gpt-5.2-pro" },
        { "openai", "gpt-5.2-codex" }, { "openai", "gpt-5.4" }, { "openai", "gpt-5.4-mini" }, { "openai", "gpt-5.4-nano" },
        { "openai", "gpt-5.5" },
        { "openai", "text-embedding-3-small" }, { "openai", "text-embedding-3-large" }, { "openai", "text-embedding-ada-002" },
        { "anthropic", "claude-3-haiku" }, { "anthropic", "claude-3-opus" }, { "anthropic", "claude-3-sonnet" },
        { "anthropic", "claude-3-5-haiku" }, { "anthropic", "claude-3-5-sonnet" }, { "anthropic", "claude-3-7-sonnet" },
        { "anthropic", "claude-sonnet-4" }, { "anthropic", "claude-opus-4" }, { "anthropic", "claude-opus-4-1" },
        { "anthropic", "claude-sonnet-4-5" }, { "anthropic", "claude-haiku-4-5" }, { "anthropic", "claude-opus-4-5" },
        { "anthropic", "claude-opus-4-6" }, { "anthropic", "claude-sonnet-4-6" },
        { "gemini", "gemini-1.5-flash" }, { "gemini", "gemini-1.5-flash-8b" }, { "gemini", "gemini-1.5-pro" },
        { "gemini", "gemini-2.0-flash" }, { "gemini", "gemini-2.0-flash-lite" }, { "gemini", "gemini-2.5-pro" },
        { "gemini", "gemini-2.5-flash" }, { "gemini", "gemini-2.5-flash-lite" }, { "gemini", "gemini-3-pro-preview" },
        { "gemini", "gemini-3-flash-preview" }, { "gemini", "gemini-3.1-pro-preview" }, { "gemini", "gemini-3.1-flash-lite-preview" },
        { "gemini", "gemini-embedding-001" },
        { "mistral", "mistral-large-latest" }, { "mistral", "mistral-large-2411" }, { "mistral", "mistral-medium-2508" },
        { "mistral", "mistral-small-latest" }, { "mistral", "open-mistral-nemo" }, { "mistral", "codestral-latest" },
        { "mistral", "ministral-8b-2410" }, { "mistral", "ministral-3b-2410" }, { "mistral", "pixtral-large-latest" },
        { "mistral", "pixtral-12b-2409" }, { "mistral", "magistral-medium-latest" }, { "mistral", "magistral-small-latest" },
        { "mistral", "devstral-small-latest" }, { "mistral", "mistral-embed" }, { "mistral", "codestral-embed" },
    };

    [Theory]
    [MemberData(nameof(RequiredFamilies))]
    public void Required_family_is_priced(string provider, string model)
    {
        Assert.True(PriceCatalog.Default.TryGetPrice(provider, model, out var price), $"{provider}/{model} is not priced");
        Assert.True(price.InputPerMillion > 0, $"{provider}/{model} has a zero input price");
    }

    [Fact]
    public void Dated_snapshots_with_their_own_price_resolve_to_their_own_entry()
    {
        Assert.True(PriceCatalog.Default.TryGetPrice("openai", "gpt-4o-2024-05-13", out var may));
        Assert.Equal((5m, 15m), (may.InputPerMillion, may.OutputPerMillion));
        Assert.True(PriceCatalog.Default.TryGetPrice("openai", "gpt-4o-2024-08-06", out var august));
        Assert.Equal((2.50m, 10m, 1.25m), (august.InputPerMillion, august.OutputPerMillion, august.CachedInputPerMillion));
        Assert.True(PriceCatalog.Default.TryGetPrice("openai", "gpt-3.5-turbo-1106", out var turbo1106));
        Assert.Equal("gpt-3.5-turbo-1106", turbo1106.Model);
        Assert.True(PriceCatalog.Default.TryGetPrice("mistral", "mistral-large-2411", out var large2));
        Assert.True(PriceCatalog.Default.TryGetPrice("mistral", "mistral-large-latest", out var large3));
        Assert.NotEqual(large2.InputPerMillion, large3.InputPerMillion);
    }

    [Fact]
    public void Long_context_tiers_are_priced()
    {
        // Claude Sonnet 4.5 above 200K input tokens: $6 / $22.50, cache read $0.60, writes $7.50 (5m) and $12 (1h).
        var usage = new TokenUsage(300_000, 1_000, CachedInputTokens: 100_000, CacheWriteTokens: 50_000) { CacheWrite1hTokens = 10_000 };
        var expected = ((150_000 * 6m) + (100_000 * 0.60m) + (40_000 * 7.50m) + (10_000 * 12m) + (1_000 * 22.50m)) / 1_000_000m;
        Assert.Equal(expected, PriceCatalog.Default.Calculate("anthropic", "claude-sonnet-4-5-20250929", usage));

        // Gemini 2.5 Pro above 200K: $2.50 / $15.
        Assert.Equal(((250_000 * 2.50m) + (1_000 * 15m)) / 1_000_000m, PriceCatalog.Default.Calculate("gemini", "gemini-2.5-pro", new TokenUsage(250_000, 1_000)));

        // GPT-5.5 above 272K: 2x input, 1.5x output for the whole request.
        Assert.Equal(((300_000 * 10m) + (1_000 * 45m)) / 1_000_000m, PriceCatalog.Default.Calculate("openai", "gpt-5.5", new TokenUsage(300_000, 1_000)));
    }

    [Fact]
    public void Every_entry_names_its_source_provider_and_kind()
    {
        Assert.All(PriceCatalog.Default.Models, p =>
        {
            Assert.False(string.IsNullOrWhiteSpace(p.Source), $"{p.Provider}/{p.Model} has no source");
            Assert.Contains(p.Provider, s_providers);
            Assert.Contains(p.Kind, s_kinds);
        });
    }

    [Fact]
    public void No_two_entries_share_a_provider_and_model_or_alias()
    {
        // Read the raw JSON: the loader keeps the last duplicate silently, so PriceCatalog.Models cannot show them.
        using var stream = typeof(PriceCatalog).Assembly.GetManifestResourceStream("LensAI.Pricing.prices.json")!;
        using var document = JsonDocument.Parse(stream);
        var names = new List<string>();
        foreach (var entry in document.RootElement.GetProperty("models").EnumerateArray())
        {
            var provider = entry.GetProperty("provider").GetString()!;
            names.Add($"{provider}/{entry.GetProperty("model").GetString()!.ToLowerInvariant()}");
            if (entry.TryGetProperty("aliases", out var aliases))
            {
                names.AddRange(aliases.EnumerateArray().Select(a => $"{provider}/{a.GetString()!.ToLowerInvariant()}"));
            }
        }

        var unpriced = document.RootElement.GetProperty("unpriced").EnumerateArray()
            .Select(u => $"{u.GetProperty("provider").GetString()}/{u.GetProperty("model").GetString()!.ToLowerInvariant()}")
            .ToList();
        var duplicates = names.Concat(unpriced).GroupBy(n => n).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(duplicates.Count == 0, "Listed more than once: " + string.Join(", ", duplicates));
    }

    [Fact]
    public void Cached_input_is_cheaper_than_input_and_rates_are_positive()
    {
        Assert.All(PriceCatalog.Default.Models, p =>
        {
            Assert.True(p.OutputPerMillion >= 0 && p.InputPerMillion > 0, $"{p.Provider}/{p.Model}: bad base rates");
            Assert.True(p.Kind == "embedding" ? p.OutputPerMillion == 0 : p.OutputPerMillion > 0, $"{p.Provider}/{p.Model}: output price does not fit its kind");
            if (p.CachedInputPerMillion is { } cached)
            {
                Assert.True(cached > 0 && cached < p.InputPerMillion, $"{p.Provider}/{p.Model}: cached_input {cached} is not below input {p.InputPerMillion}");
            }

            if (p.CacheWritePerMillion is { } write)
            {
                Assert.True(write >= p.InputPerMillion, $"{p.Provider}/{p.Model}: cache_write {write} is below input");
            }

            foreach (var tier in p.Tiers)
            {
                Assert.True(tier.InputPerMillion > p.InputPerMillion && tier.OutputPerMillion >= p.OutputPerMillion, $"{p.Provider}/{p.Model}: tier above {tier.AboveInputTokens} is not dearer");
                if (tier.CachedInputPerMillion is { } tierCached)
                {
                    Assert.True(tierCached < tier.InputPerMillion, $"{p.Provider}/{p.Model}: tier cached_input is not below tier input");
                }
            }
        });
    }

    [Fact]
    public void Anthropic_cache_rates_follow_the_published_multipliers()
    {
        // 5-minute writes 1.25x input, 1-hour writes 2x input, reads 0.1x input. Claude 3 Haiku's page rates are rounded to the cent.
        var checkedModels = 0;
        foreach (var p in PriceCatalog.Default.Models.Where(p => p.Provider == "anthropic" && p.CachedInputPerMillion is not null && p.Model != "claude-3-haiku"))
        {
            Assert.Equal(p.InputPerMillion * 0.1m, p.CachedInputPerMillion);
            Assert.Equal(p.InputPerMillion * 1.25m, p.CacheWritePerMillion);
            Assert.Equal(p.InputPerMillion * 2m, p.CacheWrite1hPerMillion);
            foreach (var tier in p.Tiers)
            {
                Assert.Equal(tier.InputPerMillion * 0.1m, tier.CachedInputPerMillion);
                Assert.Equal(tier.InputPerMillion * 1.25m, tier.CacheWritePerMillion);
                Assert.Equal(tier.InputPerMillion * 2m, tier.CacheWrite1hPerMillion);
            }

            checkedModels++;
        }

        Assert.True(checkedModels >= 10);
    }

    private static bool IsUnpriced(string provider, string model)
        => PriceCatalog.Default.Unpriced.Any(u => u.Provider == provider && string.Equals(u.Model, model, StringComparison.OrdinalIgnoreCase));

    /// <summary>Every non-empty "model" / "modelVersion" value in the recorded response bodies (not recordings/ or prices/).</summary>
    private static HashSet<(string Provider, string Model)> FixtureModels()
    {
        var found = new HashSet<(string, string)>();
        foreach (var (folder, provider) in s_fixtureProviders)
        {
            var directory = Fixtures.PathOf(folder);
            var files = Directory.EnumerateFiles(directory, "*.json", SearchOption.TopDirectoryOnly)
                .Concat(Directory.EnumerateFiles(directory, "*.sse", SearchOption.TopDirectoryOnly));
            foreach (var file in files)
            {
                foreach (Match match in ModelField().Matches(File.ReadAllText(file)))
                {
                    var model = match.Groups["model"].Value;
                    if (model.Length > 0)
                    {
                        found.Add((provider, model));
                    }
                }
            }
        }

        return found;
    }

    [GeneratedRegex("\"(?:model|modelVersion)\"\\s*:\\s*\"(?<model>[^\"\\\\]*)\"")]
    private static partial Regex ModelField();
}
