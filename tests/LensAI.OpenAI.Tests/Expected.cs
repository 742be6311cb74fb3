using System.Text;
using System.Text.Json;
using LensAI.Testing;

namespace LensAI.OpenAI.Tests;

/// <summary>
/// What an event should say about a recorded OpenAI fixture, computed from the fixture's own numbers with
/// <see cref="JsonDocument"/> (independently of the code under test), with DESIGN.md's token semantics written out.
/// </summary>
internal sealed record Expected(TokenUsage Usage, string Model, string? ResponseId, bool Stream)
{
    public static Expected Of(string file)
    {
        var sse = file.EndsWith(".sse", StringComparison.Ordinal);
        var documents = Documents(Fixtures.Bytes(file), sse).ToList();
        var numbers = new Dictionary<string, long>();
        string? model = null, id = null;
        foreach (var doc in documents)
        {
            var body = doc.TryGetProperty("response", out var wrapped) && wrapped.ValueKind == JsonValueKind.Object ? wrapped : doc;
            model ??= body.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
            id ??= body.TryGetProperty("id", out var i) && i.ValueKind == JsonValueKind.String ? i.GetString() : null;
            if (body.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
            {
                Flatten(usage, "", numbers);
            }
        }

        long Get(string key) => numbers.TryGetValue(key, out var v) ? v : 0;
        TokenUsage expected;
        if (numbers.ContainsKey("input_tokens"))
        {
            // Responses API: input_tokens includes cached; output_tokens includes reasoning.
            expected = new TokenUsage((int)Get("input_tokens"), (int)Get("output_tokens"),
                (int)Get("input_tokens_details.cached_tokens"), (int)Get("input_tokens_details.cache_write_tokens"),
                (int)Get("output_tokens_details.reasoning_tokens"));
        }
        else
        {
            // Chat completions and embeddings: prompt_tokens includes cached; completion_tokens includes reasoning.
            expected = new TokenUsage((int)Get("prompt_tokens"), (int)Get("completion_tokens"),
                (int)Get("prompt_tokens_details.cached_tokens"), (int)Get("prompt_tokens_details.cache_write_tokens"),
                (int)Get("completion_tokens_details.reasoning_tokens"));
        }

        return new Expected(expected, model ?? throw new InvalidOperationException("no model in " + file), id, sse);
    }

    private static IEnumerable<JsonElement> Documents(byte[] body, bool sse)
    {
        if (!sse)
        {
            yield return JsonDocument.Parse(body).RootElement;
            yield break;
        }

        foreach (var line in Encoding.UTF8.GetString(body).Split('\n'))
        {
            var trimmed = line.TrimEnd('\r');
            if (trimmed.StartsWith("data:", StringComparison.Ordinal) && trimmed[5..].Trim() is { Length: > 0 } data && data != "[DONE]")
            {
                yield return JsonDocument.Parse(data).RootElement;
            }
        }
    }

    private static void Flatten(JsonElement element, string prefix, Dictionary<string, long> into)
    {
        foreach (var p in element.EnumerateObject())
        {
            if (p.Value.ValueKind == JsonValueKind.Number)
            {
                into[prefix + p.Name] = p.Value.GetInt64();
            }
            else if (p.Value.ValueKind == JsonValueKind.Object)
            {
                Flatten(p.Value, prefix + p.Name + ".", into);
            }
        }
    }
}
