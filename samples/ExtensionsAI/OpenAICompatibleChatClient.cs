using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace LensAI.Samples.ExtensionsAI;

/// <summary>
/// A small <see cref="IChatClient"/> for OpenAI's Chat Completions API (and servers that speak it: Azure OpenAI's
/// v1 endpoint, Groq, vLLM, Ollama…) over an <see cref="HttpClient"/> you give it — here LensAI's, so each call is
/// captured on the wire with the provider's exact usage.
/// </summary>
/// <remarks>
/// SAMPLE ONLY: it stands in for <c>Microsoft.Extensions.AI.OpenAI</c>, which does not restore on this build machine
/// (nor does <c>Microsoft.Extensions.AI</c>). In your app use the real adapter over the OpenAI SDK:
/// <c>new OpenAIClient(new ApiKeyCredential(key), new OpenAIClientOptions { Transport = new HttpClientPipelineTransport(lens.CreateHttpClient()) }).GetChatClient(model).AsIChatClient()</c>.
/// Text messages only: no tools, images or structured output.
/// </remarks>
public sealed class OpenAICompatibleChatClient : IChatClient
{
    private readonly HttpClient _http;
    private readonly Uri _completions;
    private readonly string _apiKey;
    private readonly ChatClientMetadata _metadata;

    /// <param name="http">The HttpClient to send with (e.g. <c>lens.CreateHttpClient()</c>).</param>
    /// <param name="baseUrl">The API base, e.g. <c>https://api.openai.com/v1</c>.</param>
    /// <param name="apiKey">Sent as <c>Authorization: Bearer …</c>.</param>
    /// <param name="defaultModel">The model used when <see cref="ChatOptions.ModelId"/> is not set.</param>
    public OpenAICompatibleChatClient(HttpClient http, Uri baseUrl, string apiKey, string defaultModel)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(baseUrl);
        _http = http;
        _completions = new Uri(baseUrl.ToString().TrimEnd('/') + "/chat/completions");
        _apiKey = apiKey;
        _metadata = new ChatClientMetadata("openai", baseUrl, defaultModel);
    }

    /// <inheritdoc />
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        using var request = CreateRequest(messages, options, stream: false);
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        using var body = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), cancellationToken: cancellationToken).ConfigureAwait(false);
        var root = body.RootElement;
        var choice = root.GetProperty("choices")[0];
        var text = choice.GetProperty("message").TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String ? content.GetString() : null;
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, text))
        {
            ResponseId = String(root, "id"),
            ModelId = String(root, "model"),
            FinishReason = String(choice, "finish_reason") is { } reason ? new ChatFinishReason(reason) : null,
            Usage = root.TryGetProperty("usage", out var usage) ? Usage(usage) : null,
        };
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var request = CreateRequest(messages, options, stream: true);
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), Encoding.UTF8);
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (!line.StartsWith("data:", StringComparison.Ordinal))
            {
                continue; // blank separators, comments, event names
            }

            var data = line.AsSpan(5).Trim();
            if (data.SequenceEqual("[DONE]"))
            {
                yield break;
            }

            using var chunk = JsonDocument.Parse(data.ToString());
            var root = chunk.RootElement;
            var update = new ChatResponseUpdate { Role = ChatRole.Assistant, ResponseId = String(root, "id"), ModelId = String(root, "model") };
            if (root.TryGetProperty("choices", out var choices) && choices.GetArrayLength() > 0)
            {
                var choice = choices[0];
                if (choice.TryGetProperty("delta", out var delta) && String(delta, "content") is { Length: > 0 } text)
                {
                    update.Contents.Add(new TextContent(text));
                }

                if (String(choice, "finish_reason") is { } reason)
                {
                    update.FinishReason = new ChatFinishReason(reason);
                }
            }

            if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
            {
                update.Contents.Add(new UsageContent(Usage(usage))); // the last chunk, thanks to stream_options.include_usage
            }

            yield return update;
        }
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(ChatClientMetadata) ? _metadata
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        // The HttpClient belongs to the caller.
    }

    private HttpRequestMessage CreateRequest(IEnumerable<ChatMessage> messages, ChatOptions? options, bool stream)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("model", options?.ModelId ?? _metadata.DefaultModelId);
            json.WriteStartArray("messages");
            foreach (var message in messages)
            {
                json.WriteStartObject();
                json.WriteString("role", message.Role.Value);
                json.WriteString("content", message.Text);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            if (options?.MaxOutputTokens is { } max)
            {
                json.WriteNumber("max_completion_tokens", max); // also what LensAI's budget estimate reads
            }

            if (options?.Temperature is { } temperature)
            {
                json.WriteNumber("temperature", temperature);
            }

            if (stream)
            {
                json.WriteBoolean("stream", true);
                json.WriteStartObject("stream_options");
                json.WriteBoolean("include_usage", true); // without it, a stream reports no usage at all
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        var request = new HttpRequestMessage(HttpMethod.Post, _completions) { Content = new ByteArrayContent(buffer.ToArray()) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _apiKey);
        if (stream)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        }

        return request;
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            throw new HttpRequestException($"The chat API answered {(int)response.StatusCode}: {body}", null, response.StatusCode);
        }
    }

    private static UsageDetails Usage(JsonElement usage) => new()
    {
        InputTokenCount = Int(usage, "prompt_tokens"),
        OutputTokenCount = Int(usage, "completion_tokens"),
        TotalTokenCount = Int(usage, "total_tokens"),
        CachedInputTokenCount = usage.TryGetProperty("prompt_tokens_details", out var input) ? Int(input, "cached_tokens") : null,
        ReasoningTokenCount = usage.TryGetProperty("completion_tokens_details", out var output) ? Int(output, "reasoning_tokens") : null,
    };

    private static string? String(JsonElement element, string name)
        => element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static long? Int(JsonElement element, string name)
        => element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt64() : null;
}
