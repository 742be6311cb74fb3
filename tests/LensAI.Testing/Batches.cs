using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LensAI.Testing;

/// <summary>Builds wire batches the way the SDK does (and broken ones the way attackers do).</summary>
public static class Batches
{
    private static int s_counter;

    public static UsageEvent Event(DateTimeOffset? ts = null, string model = "gpt-4o-mini-2024-07-18", int tokensIn = 1000, int tokensOut = 100, string? userId = "u1", string? route = "POST /chat") => new()
    {
        EventId = "evt-" + Guid.NewGuid().ToString("N")[..20] + Interlocked.Increment(ref s_counter).ToString("D6", System.Globalization.CultureInfo.InvariantCulture),
        Timestamp = ts ?? DateTimeOffset.UtcNow.AddSeconds(-5),
        Provider = "openai",
        Model = model,
        Operation = "chat",
        TokensIn = tokensIn,
        TokensOut = tokensOut,
        TokensCachedIn = tokensIn / 2,
        LatencyMs = 321,
        Status = UsageStatus.Ok,
        HttpStatus = 200,
        UserId = userId,
        Route = route,
        Sdk = "tests/1.0",
        CostUsd = 0.5m,
    };

    public static byte[] Json(IEnumerable<UsageEvent> events)
        => JsonSerializer.SerializeToUtf8Bytes(new UsageEventBatch { Events = events.ToList() }, LensAIJsonContext.Default.UsageEventBatch);

    public static JsonObject Node(UsageEvent e) => JsonNode.Parse(JsonSerializer.Serialize(e, LensAIJsonContext.Default.UsageEvent))!.AsObject();

    public static byte[] Json(params JsonNode[] events) => Encoding.UTF8.GetBytes(new JsonObject { ["events"] = new JsonArray(events) }.ToJsonString());

    public static byte[] Gzip(byte[] raw)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest))
        {
            gzip.Write(raw);
        }

        return buffer.ToArray();
    }

    public static HttpContent Content(byte[] body, bool gzip = false, string contentType = "application/json")
    {
        var content = new ByteArrayContent(gzip ? Gzip(body) : body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (gzip)
        {
            content.Headers.ContentEncoding.Add("gzip");
        }

        return content;
    }

    public static async Task<(int Status, JsonElement Body, HttpResponseMessage Response)> PostAsync(HttpClient http, HttpContent content)
    {
        var response = await http.PostAsync("v1/events", content);
        var text = await response.Content.ReadAsStringAsync();
        var body = text.Length > 0 ? JsonDocument.Parse(text).RootElement.Clone() : default;
        return ((int)response.StatusCode, body, response);
    }
}
