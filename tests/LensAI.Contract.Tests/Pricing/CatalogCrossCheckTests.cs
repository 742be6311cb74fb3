using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using LensAI.Pricing;
using LensAI.Testing;

namespace LensAI.Contract.Tests.Pricing;

/// <summary>
/// Compares the embedded catalogue with the public LiteLLM price catalogue (BerriAI/litellm @4c1b15d, MIT) kept in
/// ../shared/fixtures/prices. LiteLLM is not our source, only a second opinion: every difference must be explained in
/// crosscheck-allowlist.json, and an explanation whose difference no longer exists fails too, so the list stays reviewed.
/// </summary>
public sealed partial class CatalogCrossCheckTests
{
    private const string LiteLlmFile = "prices/model_prices_and_context_window.json";

    [Fact]
    public void Every_difference_from_litellm_is_allow_listed_with_a_reason()
    {
        var differences = FindDifferences(out _);
        var allowList = LoadAllowList();

        var unexplained = differences.Where(d => !allowList.Exists(a => a.Explains(d))).ToList();
        var stale = allowList.Where(a => !differences.Exists(a.Explains)).ToList();
        if (unexplained.Count == 0 && stale.Count == 0)
        {
            return;
        }

        var message = new StringBuilder();
        if (unexplained.Count > 0)
        {
            message.AppendLine(CultureInfo.InvariantCulture, $"{unexplained.Count} difference(s) from LiteLLM are not in Pricing/crosscheck-allowlist.json.");
            message.AppendLine("Fix prices.json if we are wrong; otherwise add the line with a real reason:");
            foreach (var d in unexplained)
            {
                message.AppendLine(CultureInfo.InvariantCulture,
                    $"  {{\"provider\": \"{d.Provider}\", \"model\": \"{d.Model}\", \"field\": \"{d.Field}\", \"ours\": {Format(d.Ours)}, \"theirs\": {Format(d.Theirs)}, \"reason\": \"…\"}}");
            }
        }

        if (stale.Count > 0)
        {
            message.AppendLine(CultureInfo.InvariantCulture, $"{stale.Count} allow-list entr(y/ies) no longer match a difference; remove or update them:");
            foreach (var a in stale)
            {
                message.AppendLine(CultureInfo.InvariantCulture, $"  {a.Provider}/{a.Model} {a.Field}: ours {Format(a.Ours)}, theirs {Format(a.Theirs)}");
            }
        }

        Assert.Fail(message.ToString());
    }

    [Fact]
    public void Every_allow_list_entry_has_a_reason_and_is_unique()
    {
        var allowList = LoadAllowList();
        Assert.NotEmpty(allowList);
        Assert.All(allowList, a => Assert.False(string.IsNullOrWhiteSpace(a.Reason), $"{a.Provider}/{a.Model} {a.Field} has no reason"));
        var duplicates = allowList.GroupBy(a => (a.Provider, a.Model, a.Field)).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(duplicates.Count == 0, "Duplicate allow-list entries: " + string.Join(", ", duplicates));
    }

    [Fact]
    public void The_cross_check_actually_finds_our_models_in_litellm()
    {
        // Guards against the key matching silently breaking (which would make the main test pass vacuously).
        FindDifferences(out var compared);
        foreach (var provider in new[] { "openai", "anthropic", "gemini", "mistral" })
        {
            Assert.True(compared.Count(c => c.Provider == provider) >= 10, $"only {compared.Count(c => c.Provider == provider)} {provider} names were found in LiteLLM");
        }

        Assert.Contains(("openai", "gpt-4o-mini-2024-07-18"), compared);
        Assert.Contains(("anthropic", "claude-sonnet-4-5-20250929"), compared);
        Assert.Contains(("gemini", "gemini-2.5-flash"), compared);
        Assert.Contains(("mistral", "mistral-large-2411"), compared);
    }

    internal static List<Difference> FindDifferences(out List<(string Provider, string Model)> compared)
    {
        using var stream = File.OpenRead(Fixtures.PathOf(LiteLlmFile));
        using var litellm = JsonDocument.Parse(stream);
        var differences = new List<Difference>();
        compared = [];
        foreach (var price in PriceCatalog.Default.Models)
        {
            foreach (var name in new[] { price.Model }.Concat(price.Aliases))
            {
                if (FindLiteLlmEntry(litellm.RootElement, price.Provider, name) is not { } theirs)
                {
                    continue;
                }

                compared.Add((price.Provider, name));
                Compare(price, name, theirs, differences);
            }
        }

        return differences;
    }

    private static JsonElement? FindLiteLlmEntry(JsonElement root, string provider, string name)
    {
        string[] keys = provider switch
        {
            "openai" => [name],
            "anthropic" => [name, "anthropic/" + name],
            "gemini" => ["gemini/" + name, name], // the Gemini API key first, then the Vertex AI key
            "mistral" => ["mistral/" + name],
            _ => [],
        };
        foreach (var key in keys)
        {
            if (root.TryGetProperty(key, out var entry)
                && entry.ValueKind == JsonValueKind.Object
                && entry.TryGetProperty("litellm_provider", out var p)
                && ProviderMatches(provider, p.GetString() ?? ""))
            {
                return entry;
            }
        }

        return null;
    }

    private static bool ProviderMatches(string provider, string litellmProvider) => provider switch
    {
        "openai" => litellmProvider is "openai" or "text-completion-openai",
        "anthropic" => litellmProvider == "anthropic",
        "gemini" => litellmProvider is "gemini" or "vertex_ai-language-models" or "vertex_ai-embedding-models",
        "mistral" => litellmProvider == "mistral",
        _ => false,
    };

    private static void Compare(ModelPrice ours, string name, JsonElement theirs, List<Difference> differences)
    {
        void Check(string field, decimal? o, decimal? t)
        {
            if (o != t)
            {
                differences.Add(new Difference(ours.Provider, name, field, o, t));
            }
        }

        var theirInput = PerMillion(theirs, "input_cost_per_token");
        var theirOutput = PerMillion(theirs, "output_cost_per_token") ?? (ours.OutputPerMillion == 0 ? 0m : null); // embeddings: no output price = 0
        var theirCached = PerMillion(theirs, "cache_read_input_token_cost");
        var theirWrite = PerMillion(theirs, "cache_creation_input_token_cost");
        Check("input", ours.InputPerMillion, theirInput);
        Check("output", ours.OutputPerMillion, theirOutput);
        Check("cached_input", ours.CachedInputPerMillion, theirCached);
        Check("cache_write", ours.CacheWritePerMillion, theirWrite);
        Check("cache_write_1h", ours.CacheWrite1hPerMillion, PerMillion(theirs, "cache_creation_input_token_cost_above_1hr"));

        // Long-context tiers, compared as "the rate a call just above the threshold pays" on each side.
        var thresholds = new SortedSet<int>(ours.Tiers.Select(t => t.AboveInputTokens));
        foreach (var property in theirs.EnumerateObject())
        {
            if (TierKey().Match(property.Name) is { Success: true } match)
            {
                thresholds.Add(int.Parse(match.Groups["k"].Value, CultureInfo.InvariantCulture) * 1000);
            }
        }

        foreach (var threshold in thresholds)
        {
            var tier = ours.Tiers.LastOrDefault(t => t.AboveInputTokens <= threshold);
            var suffix = $"_above_{threshold / 1000}k_tokens";
            var prefix = $"above_{threshold / 1000}k.";
            Check(prefix + "input", tier?.InputPerMillion ?? ours.InputPerMillion, PerMillion(theirs, "input_cost_per_token" + suffix) ?? theirInput);
            Check(prefix + "output", tier?.OutputPerMillion ?? ours.OutputPerMillion, PerMillion(theirs, "output_cost_per_token" + suffix) ?? theirOutput);
            Check(prefix + "cached_input", tier?.CachedInputPerMillion ?? ours.CachedInputPerMillion, PerMillion(theirs, "cache_read_input_token_cost" + suffix) ?? theirCached);
            Check(prefix + "cache_write", tier?.CacheWritePerMillion ?? ours.CacheWritePerMillion, PerMillion(theirs, "cache_creation_input_token_cost" + suffix) ?? theirWrite);
        }
    }

    [GeneratedRegex(@"^(input_cost_per_token|output_cost_per_token|cache_read_input_token_cost|cache_creation_input_token_cost)_above_(?<k>\d+)k_tokens$")]
    private static partial Regex TierKey();

    /// <summary>LiteLLM prices are per token; ours per 1M tokens.</summary>
    private static decimal? PerMillion(JsonElement entry, string property)
        => entry.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out var perToken)
            ? Normalize(decimal.Round(perToken * 1_000_000m, 9))
            : null;

    private static decimal Normalize(decimal value) => value / 1.000000000000000000000000000000000m;

    private static string Format(decimal? value) => value is { } v ? Normalize(v).ToString(CultureInfo.InvariantCulture) : "null";

    private static List<AllowedDifference> LoadAllowList()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Pricing", "crosscheck-allowlist.json");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var list = new List<AllowedDifference>();
        foreach (var item in document.RootElement.GetProperty("differences").EnumerateArray())
        {
            list.Add(new AllowedDifference(
                item.GetProperty("provider").GetString()!,
                item.GetProperty("model").GetString()!,
                item.GetProperty("field").GetString()!,
                Optional(item, "ours"),
                Optional(item, "theirs"),
                item.TryGetProperty("reason", out var r) ? r.GetString() ?? "" : ""));
        }

        return list;

        static decimal? Optional(JsonElement e, string name)
            => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDecimal() : null;
    }

    internal sealed record Difference(string Provider, string Model, string Field, decimal? Ours, decimal? Theirs);

    private sealed record AllowedDifference(string Provider, string Model, string Field, decimal? Ours, decimal? Theirs, string Reason)
    {
        public bool Explains(Difference d)
            => d.Provider == Provider && d.Model == Model && d.Field == Field && d.Ours == Ours && d.Theirs == Theirs;
    }
}
