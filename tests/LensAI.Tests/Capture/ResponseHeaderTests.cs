using System.Text;
using LensAI.Testing;
using Microsoft.AspNetCore.Http;

namespace LensAI.Tests.Capture;

/// <summary>
/// Capture reads a socket response's content headers raw (no parsing on the caller's behalf): the caller still sees
/// every header exactly as the server sent it, and the media type and length are still understood with parameters,
/// odd casing and spacing.
/// </summary>
public sealed class ResponseHeaderTests
{
    [Fact]
    public async Task A_buffered_json_response_keeps_its_content_headers_and_is_priced()
    {
        var completion = Fixtures.Bytes("openai/chat-completion-basic.json");
        await using var server = await LoopbackServer.StartAsync(async context =>
        {
            context.Response.Headers.ContentType = "Application/JSON ;  charset=utf-8";
            context.Response.Headers.ContentLanguage = "en-GB";
            context.Response.ContentLength = completion.Length;
            await context.Response.Body.WriteAsync(completion);
        });

        await using var test = new TestClient(o => o.OpenAICompatibleEndpoints.Add(new OpenAICompatibleEndpoint { BaseUrl = new Uri(server.BaseAddress, "v1"), Provider = "openai" }));
        using var http = test.Http(new SocketsHttpHandler());
        using var response = await http.PostAsync(new Uri(server.BaseAddress, "v1/chat/completions"), Json("""{"model":"gpt-4o-mini","messages":[]}"""));
        var body = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(completion, body);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType, ignoreCase: true);
        Assert.Equal("utf-8", response.Content.Headers.ContentType.CharSet);
        Assert.Equal(completion.Length, response.Content.Headers.ContentLength);
        Assert.Equal(["en-GB"], response.Content.Headers.ContentLanguage);
        var e = test.Single();
        Assert.False(e.Stream);
        Assert.Equal(new TokenUsage(11, 9), e.Usage);
        Assert.Equal(0.00000705m, e.CostUsd); // gpt-4o-mini: 11 in × $0.15 + 9 out × $0.60, per million
    }

    [Fact]
    public async Task An_event_stream_is_recognized_with_parameters_and_casing_and_sent_chunked()
    {
        var sse = Fixtures.Bytes("openai/chat-stream-include-usage.sse");
        await using var server = await LoopbackServer.StartAsync(async context =>
        {
            context.Response.Headers.ContentType = " Text/Event-Stream; charset=utf-8";
            await context.Response.Body.WriteAsync(sse.AsMemory(0, sse.Length / 2));
            await context.Response.Body.FlushAsync();
            await context.Response.Body.WriteAsync(sse.AsMemory(sse.Length / 2));
        });

        await using var test = new TestClient(o => o.OpenAICompatibleEndpoints.Add(new OpenAICompatibleEndpoint { BaseUrl = new Uri(server.BaseAddress, "v1"), Provider = "openai" }));
        using var http = test.Http(new SocketsHttpHandler());
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server.BaseAddress, "v1/chat/completions"))
        {
            Content = Json("""{"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":true},"messages":[]}"""),
        };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Null(response.Content.Headers.ContentLength); // chunked: no length invented before the body is read
        var body = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(sse, body);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType, ignoreCase: true);
        var e = test.Single();
        Assert.True(e.Stream);
        Assert.True(e.Usage.InputTokens > 0 && e.Usage.OutputTokens > 0, "usage read from the stream's last chunk");
        Assert.False(e.UsageEstimated);
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
