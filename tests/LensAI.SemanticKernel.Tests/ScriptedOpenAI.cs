using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LensAI.Testing;
using Microsoft.AspNetCore.Http;

namespace LensAI.SemanticKernel.Tests;

/// <summary>
/// An OpenAI-compatible server on 127.0.0.1 (real Kestrel) that answers <c>/v1/chat/completions</c> from a script,
/// one answer per request in order: a recorded fixture, or a tool call the test builds. Keeps every request body.
/// </summary>
internal sealed class ScriptedOpenAI : IAsyncDisposable
{
    private readonly ConcurrentQueue<Func<JsonNode, Answer>> _script = new();
    private readonly ConcurrentQueue<JsonNode> _requests = new();
    private LoopbackServer _server = null!;

    public Uri V1 => new(_server.BaseAddress, "v1");

    /// <summary>The request bodies received, in order.</summary>
    public IReadOnlyList<JsonNode> Requests => [.. _requests];

    /// <summary>The headers of the last request (copied: Kestrel reuses its header collections).</summary>
    public IReadOnlyDictionary<string, string> LastHeaders { get; private set; } = new Dictionary<string, string>();

    public static async Task<ScriptedOpenAI> StartAsync()
    {
        var openAI = new ScriptedOpenAI();
        openAI._server = await LoopbackServer.StartAsync(openAI.AnswerAsync);
        return openAI;
    }

    /// <summary>Answers the next request with a recorded fixture (<c>openai/…</c>).</summary>
    public ScriptedOpenAI ThenFixture(string file)
    {
        var body = Fixtures.Bytes(file);
        var type = file.EndsWith(".sse", StringComparison.Ordinal) ? "text/event-stream" : "application/json";
        _script.Enqueue(_ => new Answer(200, type, body));
        return this;
    }

    /// <summary>Answers the next request with a tool call of the offered tool whose name ends with <paramref name="function"/>.</summary>
    public ScriptedOpenAI ThenToolCall(string function, string argumentsJson, ToolCallUsage usage)
    {
        _script.Enqueue(request =>
        {
            var tool = request["tools"]!.AsArray().Select(t => t!["function"]!["name"]!.GetValue<string>()).Single(n => n.EndsWith(function, StringComparison.Ordinal));
            var answer = new JsonObject
            {
                ["id"] = usage.Id,
                ["object"] = "chat.completion",
                ["created"] = 1770950900,
                ["model"] = usage.Model,
                ["choices"] = new JsonArray(new JsonObject
                {
                    ["index"] = 0,
                    ["message"] = new JsonObject
                    {
                        ["role"] = "assistant",
                        ["content"] = null,
                        ["tool_calls"] = new JsonArray(new JsonObject
                        {
                            ["id"] = "call_" + usage.Id,
                            ["type"] = "function",
                            ["function"] = new JsonObject { ["name"] = tool, ["arguments"] = argumentsJson },
                        }),
                    },
                    ["finish_reason"] = "tool_calls",
                }),
                ["usage"] = new JsonObject
                {
                    ["prompt_tokens"] = usage.PromptTokens,
                    ["completion_tokens"] = usage.CompletionTokens,
                    ["total_tokens"] = usage.PromptTokens + usage.CompletionTokens,
                },
            };
            return new Answer(200, "application/json", Encoding.UTF8.GetBytes(answer.ToJsonString()));
        });
        return this;
    }

    private async Task AnswerAsync(HttpContext context)
    {
        if (!HttpMethods.IsPost(context.Request.Method) || context.Request.Path != "/v1/chat/completions")
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        var request = (await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted))!;
        _requests.Enqueue(request);
        LastHeaders = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        if (!_script.TryDequeue(out var next))
        {
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            await context.Response.WriteAsync("The test's script has no answer for request #" + _requests.Count);
            return;
        }

        var answer = next(request);
        context.Response.StatusCode = answer.Status;
        context.Response.ContentType = answer.ContentType;
        await context.Response.Body.WriteAsync(answer.Body);
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private sealed record Answer(int Status, string ContentType, byte[] Body);
}

/// <summary>The model and usage of a scripted tool call (there is no recorded Chat Completions tool call among the fixtures).</summary>
internal sealed record ToolCallUsage(string Id, string Model, int PromptTokens, int CompletionTokens);

/// <summary>The usage a recorded chat fixture reports, read from the file itself.</summary>
internal static class Recorded
{
    public static (string Model, string Id, TokenUsage Usage) Chat(string file)
    {
        var text = Fixtures.Text(file);
        var documents = file.EndsWith(".sse", StringComparison.Ordinal)
            ? text.Split('\n').Where(l => l.StartsWith("data: {", StringComparison.Ordinal)).Select(l => JsonDocument.Parse(l[6..]).RootElement).ToList()
            : [JsonDocument.Parse(text).RootElement];
        var usage = documents.Last(d => d.TryGetProperty("usage", out var u) && u.ValueKind == JsonValueKind.Object).GetProperty("usage");
        static int Get(JsonElement e, params string[] path)
        {
            foreach (var name in path)
            {
                if (!e.TryGetProperty(name, out e))
                {
                    return 0;
                }
            }

            return e.GetInt32();
        }

        return (
            documents[0].GetProperty("model").GetString()!,
            documents[0].GetProperty("id").GetString()!,
            new TokenUsage(Get(usage, "prompt_tokens"), Get(usage, "completion_tokens"), Get(usage, "prompt_tokens_details", "cached_tokens"),
                CacheWriteTokens: 0, Get(usage, "completion_tokens_details", "reasoning_tokens")));
    }
}
