using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace LensAI.Extensions.AI.Tests;

/// <summary>
/// A small hand-written <see cref="IChatClient"/> that speaks OpenAI chat completions over an <see cref="HttpClient"/>,
/// like a real provider adapter. Like many adapters it reports only input and output tokens (no cached tokens),
/// so a test can tell an event built from its usage from one captured on the wire.
/// </summary>
internal sealed class OpenAIHttpChatClient(HttpClient http, Uri baseUrl, string model) : IChatClient
{
    private readonly ChatClientMetadata _metadata = new("openai", baseUrl, model);

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        using var request = Request(messages, options, stream: false);
        using var response = await http.SendAsync(request, cancellationToken);
        await ThrowIfErrorAsync(response, cancellationToken);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        var root = json.RootElement;
        var text = root.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString();
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, text))
        {
            ModelId = root.GetProperty("model").GetString(),
            ResponseId = root.GetProperty("id").GetString(),
            Usage = Usage(root.GetProperty("usage")),
        };
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var request = Request(messages, options, stream: true);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await ThrowIfErrorAsync(response, cancellationToken);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (!line.StartsWith("data:", StringComparison.Ordinal) || line[5..].Trim() is not { Length: > 0 } data)
            {
                continue;
            }

            if (data == "[DONE]")
            {
                yield break;
            }

            using var json = JsonDocument.Parse(data);
            var root = json.RootElement;
            var update = new ChatResponseUpdate { ModelId = root.GetProperty("model").GetString(), ResponseId = root.GetProperty("id").GetString() };
            if (root.GetProperty("choices") is { ValueKind: JsonValueKind.Array } choices && choices.GetArrayLength() > 0
                && choices[0].GetProperty("delta").TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String)
            {
                update.Contents.Add(new TextContent(content.GetString()));
            }

            if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
            {
                update.Contents.Add(new UsageContent(Usage(usage)));
            }

            yield return update;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
        => serviceKey is null && serviceType == typeof(ChatClientMetadata) ? _metadata : null;

    public void Dispose()
    {
    }

    private HttpRequestMessage Request(IEnumerable<ChatMessage> messages, ChatOptions? options, bool stream)
    {
        var body = new Dictionary<string, object>
        {
            ["model"] = options?.ModelId ?? model,
            ["messages"] = messages.Select(m => new Dictionary<string, string> { ["role"] = m.Role.Value, ["content"] = m.Text }).ToArray(),
        };
        if (stream)
        {
            body["stream"] = true;
            body["stream_options"] = new Dictionary<string, bool> { ["include_usage"] = true };
        }

        var content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseUrl.AbsoluteUri.TrimEnd('/') + "/chat/completions")) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "sk-test");
        return request;
    }

    private static async Task ThrowIfErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new HttpRequestException($"The provider answered {(int)response.StatusCode}: {body}", null, response.StatusCode);
        }
    }

    private static UsageDetails Usage(JsonElement usage) => new()
    {
        InputTokenCount = usage.GetProperty("prompt_tokens").GetInt64(),
        OutputTokenCount = usage.GetProperty("completion_tokens").GetInt64(),
    };
}
