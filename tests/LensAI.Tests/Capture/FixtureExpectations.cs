using System.Text;
using System.Text.Json;
using LensAI.Pricing;

namespace LensAI.Tests.Capture;

/// <summary>
/// Computes what an event should say from a fixture's own numbers, independently of the code under test
/// (JsonDocument over the whole body; DESIGN.md's token semantics written out by hand).
/// </summary>
internal static class FixtureExpectations
{
    public static IEnumerable<JsonElement> Documents(byte[] body, bool sse)
    {
        if (!sse)
        {
            yield return JsonDocument.Parse(body).RootElement;
            yield break;
        }

        foreach (var line in Encoding.UTF8.GetString(body).Split('\n'))
        {
            var trimmed = line.TrimEnd('\r');
            if (!trimmed.StartsWith("data:", StringComparison.Ordinal))
            {
                continue;
            }

            var data = trimmed[5..].Trim();
            if (data.Length > 0 && data != "[DONE]")
            {
                yield return JsonDocument.Parse(data).RootElement;
            }
        }
    }

    /// <summary>The last value of every number in the usage object(s) the provider sends.</summary>
    public static Dictionary<string, long> UsageNumbers(byte[] body, bool sse, string dialect)
    {
        var numbers = new Dictionary<string, long>();
        foreach (var doc in Documents(body, sse))
        {
            foreach (var usage in UsageObjects(doc, dialect))
            {
                Flatten(usage, "", numbers);
            }
        }

        return numbers;
    }

    private static IEnumerable<JsonElement> UsageObjects(JsonElement doc, string dialect)
    {
        if (dialect == "gemini")
        {
            if (doc.TryGetProperty("usageMetadata", out var m))
            {
                yield return m;
            }

            yield break;
        }

        if (doc.TryGetProperty("usage", out var u) && u.ValueKind == JsonValueKind.Object)
        {
            yield return u;
        }

        foreach (var wrapper in new[] { "response", "message" })
        {
            if (doc.TryGetProperty(wrapper, out var w) && w.ValueKind == JsonValueKind.Object && w.TryGetProperty("usage", out var wu) && wu.ValueKind == JsonValueKind.Object)
            {
                yield return wu;
            }
        }
    }

    private static void Flatten(JsonElement element, string prefix, Dictionary<string, long> into)
    {
        foreach (var p in element.EnumerateObject())
        {
            var key = prefix + p.Name;
            if (p.Value.ValueKind == JsonValueKind.Number)
            {
                into[key] = p.Value.GetInt64();
            }
            else if (p.Value.ValueKind == JsonValueKind.Object)
            {
                Flatten(p.Value, key + ".", into);
            }
            else if (p.Value.ValueKind == JsonValueKind.Array && key is "promptTokensDetails" or "cacheTokensDetails")
            {
                // Gemini: tokens per modality; each chunk's list is the whole count so far.
                into[key + ".AUDIO"] = p.Value.EnumerateArray()
                    .Where(d => d.TryGetProperty("modality", out var m) && m.GetString() == "AUDIO")
                    .Sum(d => d.GetProperty("tokenCount").GetInt64());
            }
            else if (p.Value.ValueKind == JsonValueKind.Array && key == "iterations")
            {
                // Anthropic: each step (compaction, message) as billed; a later list replaces an earlier one.
                foreach (var stale in into.Keys.Where(k => k.StartsWith("iterations.", StringComparison.Ordinal)).ToList())
                {
                    into.Remove(stale);
                }

                into["iterations.count"] = p.Value.GetArrayLength();
                foreach (var step in p.Value.EnumerateArray())
                {
                    var numbers = new Dictionary<string, long>();
                    Flatten(step, "", numbers);
                    foreach (var (name, value) in numbers)
                    {
                        into["iterations." + name] = into.GetValueOrDefault("iterations." + name) + value;
                    }
                }
            }
        }
    }

    public static TokenUsage ExpectedUsage(byte[] body, bool sse, string dialect)
    {
        var n = UsageNumbers(body, sse, dialect);
        long Get(string key) => n.TryGetValue(key, out var v) ? v : 0;
        switch (dialect)
        {
            case "openai-chat":
                return new TokenUsage((int)Get("prompt_tokens"), (int)Get("completion_tokens"),
                    (int)Get("prompt_tokens_details.cached_tokens"), (int)Get("prompt_tokens_details.cache_write_tokens"),
                    (int)Get("completion_tokens_details.reasoning_tokens"))
                {
                    AudioInputTokens = (int)Get("prompt_tokens_details.audio_tokens"),
                    AudioOutputTokens = (int)Get("completion_tokens_details.audio_tokens"),
                };
            case "openai-embeddings":
                return new TokenUsage((int)Get("prompt_tokens"), 0);
            case "openai-responses":
                return new TokenUsage((int)Get("input_tokens"), (int)Get("output_tokens"),
                    (int)Get("input_tokens_details.cached_tokens"), (int)Get("input_tokens_details.cache_write_tokens"),
                    (int)Get("output_tokens_details.reasoning_tokens"));
            case "anthropic" when n.ContainsKey("iterations.count"):
                // With iterations (context compaction), the top level holds only the last step: every step is billed.
                var stepsRead = Get("iterations.cache_read_input_tokens");
                var stepsWrite = Get("iterations.cache_creation_input_tokens");
                return new TokenUsage((int)(Get("iterations.input_tokens") + stepsRead + stepsWrite), (int)Get("iterations.output_tokens"), (int)stepsRead, (int)stepsWrite, 0)
                {
                    CacheWrite1hTokens = (int)Get("iterations.cache_creation.ephemeral_1h_input_tokens"),
                };
            case "anthropic":
                // input_tokens excludes cache reads and writes: add them back.
                var read = Get("cache_read_input_tokens");
                var write = Get("cache_creation_input_tokens");
                return new TokenUsage((int)(Get("input_tokens") + read + write), (int)Get("output_tokens"), (int)read, (int)write, 0)
                {
                    CacheWrite1hTokens = (int)Get("cache_creation.ephemeral_1h_input_tokens"),
                };
            case "gemini":
                // candidatesTokenCount excludes thoughts: add them.
                var thoughts = Get("thoughtsTokenCount");
                return new TokenUsage((int)(Get("promptTokenCount") + Get("toolUsePromptTokenCount")), (int)(Get("candidatesTokenCount") + thoughts),
                    (int)Get("cachedContentTokenCount"), 0, (int)thoughts)
                {
                    AudioInputTokens = (int)Get("promptTokensDetails.AUDIO"),
                    CachedAudioInputTokens = (int)Get("cacheTokensDetails.AUDIO"),
                };
            default:
                throw new ArgumentOutOfRangeException(nameof(dialect));
        }
    }

    /// <summary>The fixture's model as the response names it (first non-empty).</summary>
    public static string? Model(byte[] body, bool sse)
    {
        foreach (var doc in Documents(body, sse))
        {
            foreach (var candidate in new[] { doc, Child(doc, "response"), Child(doc, "message") })
            {
                if (candidate.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }

                foreach (var name in new[] { "model", "modelVersion" })
                {
                    if (candidate.TryGetProperty(name, out var m) && m.GetString() is { Length: > 0 } s)
                    {
                        return s;
                    }
                }
            }
        }

        return null;
    }

    public static string? ResponseId(byte[] body, bool sse)
    {
        foreach (var doc in Documents(body, sse))
        {
            foreach (var candidate in new[] { doc, Child(doc, "response"), Child(doc, "message") })
            {
                if (candidate.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }

                foreach (var name in new[] { "id", "responseId" })
                {
                    if (candidate.TryGetProperty(name, out var m) && m.ValueKind == JsonValueKind.String && m.GetString() is { Length: > 0 } s)
                    {
                        return s;
                    }
                }
            }
        }

        return null;
    }

    private static JsonElement Child(JsonElement doc, string name)
        => doc.TryGetProperty(name, out var c) ? c : default;

    /// <summary>Cost written out from the catalogue entry's rates (not via ModelPrice.Calculate).</summary>
    /// <summary>
    /// The service tier the fixture reports anywhere (OpenAI <c>service_tier</c>, Anthropic <c>usage.service_tier</c>,
    /// Gemini <c>serviceTier</c>, Vertex AI <c>trafficType</c>), mapped by hand: standard names are <see langword="null"/>.
    /// </summary>
    public static string? ExpectedServiceTier(byte[] body, bool sse)
    {
        string? tier = null;
        foreach (var doc in Documents(body, sse))
        {
            Visit(doc);
        }

        return tier;

        void Visit(JsonElement e)
        {
            if (e.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in e.EnumerateArray())
                {
                    Visit(item);
                }
            }
            else if (e.ValueKind == JsonValueKind.Object)
            {
                foreach (var p in e.EnumerateObject())
                {
                    if (p.Name is "service_tier" or "serviceTier" or "trafficType" && p.Value.ValueKind == JsonValueKind.String)
                    {
                        tier = p.Value.GetString() switch
                        {
                            "flex" or "ON_DEMAND_FLEX" => "flex",
                            "priority" or "ON_DEMAND_PRIORITY" => "priority",
                            "batch" => "batch",
                            "default" or "auto" or "standard" or "ON_DEMAND" => tier,
                            var other => throw new InvalidOperationException($"A fixture reports service tier '{other}': map it here by hand."),
                        };
                    }
                    else
                    {
                        Visit(p.Value);
                    }
                }
            }
        }
    }

    public static decimal? ExpectedCost(string provider, string model, TokenUsage u)
    {
        if (!PriceCatalog.Default.TryGetPrice(provider, model, out var p))
        {
            return null;
        }

        decimal input = p.InputPerMillion, output = p.OutputPerMillion;
        decimal? cached = p.CachedInputPerMillion, write = p.CacheWritePerMillion, write1h = p.CacheWrite1hPerMillion;
        foreach (var tier in p.Tiers.Where(t => u.InputTokens > t.AboveInputTokens).OrderBy(t => t.AboveInputTokens))
        {
            input = tier.InputPerMillion;
            output = tier.OutputPerMillion;
            cached = tier.CachedInputPerMillion ?? cached;
            write = tier.CacheWritePerMillion ?? write;
            write1h = tier.CacheWrite1hPerMillion ?? write1h;
        }

        var audio = u.AudioInputTokens - u.CachedAudioInputTokens;
        var plain = u.InputTokens - u.CachedInputTokens - u.CacheWriteTokens - audio;
        var dollars = (plain * input
            + audio * (p.AudioInputPerMillion ?? input)
            + (u.CachedInputTokens - u.CachedAudioInputTokens) * (cached ?? input)
            + u.CachedAudioInputTokens * (p.CachedAudioInputPerMillion ?? cached ?? input)
            + (u.CacheWriteTokens - u.CacheWrite1hTokens) * (write ?? input)
            + u.CacheWrite1hTokens * (write1h ?? write ?? input)
            + (u.OutputTokens - u.AudioOutputTokens) * output
            + u.AudioOutputTokens * (p.AudioOutputPerMillion ?? output)) * TierFactor(p, u.ServiceTier) / 1_000_000m + p.PerRequest;
        return Math.Round(dollars, 9, MidpointRounding.AwayFromZero);
    }

    /// <summary>The catalogue's factor for a tier (every token rate times it); 1 for standard or an unlisted tier.</summary>
    private static decimal TierFactor(ModelPrice p, string? tier)
        => tier is not null && p.ServiceTierFactors.TryGetValue(tier, out var factor) ? factor : 1m;
}
