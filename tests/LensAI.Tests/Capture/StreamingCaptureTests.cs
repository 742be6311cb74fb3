using System.IO.Pipelines;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using LensAI.Testing;

namespace LensAI.Tests.Capture;

public sealed class StreamingCaptureTests
{
    private const string OpenAIChat = "https://api.openai.com/v1/chat/completions";

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task Bytes_reach_the_caller_before_the_provider_has_sent_the_rest()
    {
        var pipe = new Pipe();
        await using var client = new TestClient();
        using var http = client.Http(new StubHandler((_, _) =>
        {
            var content = new StreamContent(pipe.Reader.AsStream());
            content.Headers.ContentType = new MediaTypeHeaderValue("text/event-stream");
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = content });
        }));

        using var request = new HttpRequestMessage(HttpMethod.Post, OpenAIChat) { Content = Json("""{"model":"gpt-4o-mini","stream":true}""") };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        await using var stream = await response.Content.ReadAsStreamAsync();

        var first = "data: {\"id\":\"c1\",\"model\":\"gpt-4o-mini\",\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\n"u8.ToArray();
        await pipe.Writer.WriteAsync(first);
        var buffer = new byte[4096];
        var n = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10)); // would hang if LensAI buffered the stream
        Assert.Equal(first, buffer[..n]);
        Assert.Empty(client.Events);

        var last = "data: {\"id\":\"c1\",\"model\":\"gpt-4o-mini\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2}}\n\ndata: [DONE]\n\n"u8.ToArray();
        await pipe.Writer.WriteAsync(last);
        await pipe.Writer.CompleteAsync();
        var rest = new MemoryStream();
        await stream.CopyToAsync(rest);
        Assert.Equal(last, rest.ToArray());

        var e = client.Single();
        Assert.Equal(new TokenUsage(9, 2), e.Usage);
        Assert.True(e.Stream);
        Assert.Null(e.Metadata);
    }

    [Fact]
    public async Task Time_to_first_token_and_latency_come_from_the_clock()
    {
        var time = new FakeTimeProvider();
        var body = Fixtures.Bytes("openai/chat-stream-include-usage.sse");
        await using var client = new TestClient(time: time);
        using var http = client.Http(new StubHandler((_, _) =>
        {
            time.Advance(TimeSpan.FromMilliseconds(120)); // headers after 120 ms
            var content = new StreamContent(new ClockedStream(body, 100, time, TimeSpan.FromMilliseconds(30)));
            content.Headers.ContentType = new MediaTypeHeaderValue("text/event-stream");
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = content });
        }));

        using var request = new HttpRequestMessage(HttpMethod.Post, OpenAIChat) { Content = Json("""{"model":"gpt-4o","stream":true}""") };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var text = await response.Content.ReadAsByteArrayAsync();

        var e = client.Single();
        var chunks = (body.Length + 99) / 100;
        Assert.Equal(150, e.TtftMs); // 120 ms to headers + 30 ms to the first chunk
        Assert.Equal(120 + (30 * (chunks + 1)), e.LatencyMs); // every read, the final empty one included
        Assert.Equal(body, text);
    }

    [Fact]
    public async Task Abandoned_stream_still_produces_one_event_marked_abandoned()
    {
        var body = Fixtures.Bytes("openai/chat-stream-include-usage.sse");
        await using var client = new TestClient();
        using var http = client.Http(StubHandler.Returning(body, "text/event-stream", chunkSize: 64));

        using (var request = new HttpRequestMessage(HttpMethod.Post, OpenAIChat) { Content = Json("""{"model":"gpt-4o","stream":true}""") })
        using (var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            var stream = await response.Content.ReadAsStreamAsync();
            var buffer = new byte[64];
            for (var i = 0; i < 8; i++) // the first event (~350 bytes) is complete, the rest is not read
            {
                _ = await stream.ReadAsync(buffer);
            }

            Assert.Empty(client.Events);
        }

        var e = client.Single();
        Assert.Equal(UsageStatus.Ok, e.Status);
        Assert.Equal("abandoned", e.Metadata![UsageEvent.IncompleteMetadataKey]);
        Assert.Equal("gpt-4o-2024-08-06", e.Model);
        Assert.Equal(0, e.TokensIn); // usage comes in the last chunk, which was never read
    }

    [Fact]
    public async Task Broken_stream_rethrows_to_the_caller_and_records_an_error_with_what_was_seen()
    {
        var body = Fixtures.Bytes("anthropic/messages-stream.sse");
        var breakAt = Encoding.UTF8.GetString(body).IndexOf("event: content_block_stop", StringComparison.Ordinal);
        await using var client = new TestClient();
        using var http = client.Http(new StubHandler((_, _) =>
        {
            var content = new StreamContent(new ChunkedStream(body, 50, failAfterBytes: breakAt));
            content.Headers.ContentType = new MediaTypeHeaderValue("text/event-stream");
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = content });
        }));

        using var request = new HttpRequestMessage(HttpMethod.Post, "https://api.anthropic.com/v1/messages") { Content = Json("""{"model":"claude-sonnet-4-5","stream":true}""") };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        // Exactly what HttpClient throws without LensAI: its buffering wraps the transport's IOException.
        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => response.Content.ReadAsByteArrayAsync());
        Assert.Contains("simulated", Assert.IsType<IOException>(ex.InnerException).Message);

        var e = client.Single();
        Assert.Equal(UsageStatus.Error, e.Status);
        Assert.Equal("broken", e.Metadata![UsageEvent.IncompleteMetadataKey]);
        Assert.Equal(20, e.TokensIn); // message_start had arrived: its input usage counts
        Assert.Equal(1, e.TokensOut);
    }

    [Fact]
    public async Task Stream_usage_is_requested_from_openai_when_the_caller_did_not()
    {
        await using var client = new TestClient();
        var stub = StubHandler.Returning("data: [DONE]\n\n"u8.ToArray(), "text/event-stream");
        using var http = client.Http(stub);

        using var response = await http.PostAsync(OpenAIChat, Json("""{"model":"gpt-4o","stream":true,"messages":[]}"""));
        Assert.Equal("""{"model":"gpt-4o","stream":true,"messages":[],"stream_options":{"include_usage":true}}""", stub.Requests[0].Body);
        Assert.Equal("application/json; charset=utf-8", stub.Requests[0].Request.Content!.Headers.ContentType!.ToString());
    }

    [Theory]
    [InlineData("""{"model":"gpt-4o","stream":true,"stream_options":{"include_usage":false}}""", OpenAIChat, true)]
    [InlineData("""{"model":"gpt-4o","stream":false}""", OpenAIChat, true)]
    [InlineData("""{"model":"gpt-4o","stream":true}""", OpenAIChat, false)]
    [InlineData("""{"model":"gpt-4o","stream":true}""", "https://x.openai.azure.com/openai/deployments/d/chat/completions?api-version=2024-06-01", true)]
    [InlineData("""{"model":"claude-sonnet-4-5","stream":true}""", "https://api.anthropic.com/v1/messages", true)]
    [InlineData("""{"model":"llama-3.3-70b","stream":true}""", "https://api.groq.com/openai/v1/chat/completions", true)]
    public async Task Request_body_is_left_alone_otherwise(string body, string url, bool inject)
    {
        await using var client = new TestClient(o => o.InjectStreamUsage = inject);
        var stub = StubHandler.Returning("{}"u8.ToArray(), "application/json");
        using var http = client.Http(stub);
        using var response = await http.PostAsync(url, Json(body));
        Assert.Equal(body, stub.Requests[0].Body);
    }

    [Fact]
    public async Task Azure_api_versions_that_accept_stream_options_get_them()
    {
        await using var client = new TestClient();
        var stub = StubHandler.Returning("data: [DONE]\n\n"u8.ToArray(), "text/event-stream");
        using var http = client.Http(stub);
        using var response = await http.PostAsync("https://x.openai.azure.com/openai/deployments/d/chat/completions?api-version=2025-04-01-preview", Json("""{"stream":true}"""));
        Assert.Equal("""{"stream":true,"stream_options":{"include_usage":true}}""", stub.Requests[0].Body);
    }

    [Fact]
    public async Task Exceptions_reach_the_caller_unchanged_and_are_recorded()
    {
        var boom = new HttpRequestException("connection refused (simulated)");
        await using var client = new TestClient();
        using var http = client.Http(new StubHandler((_, _) => throw boom));

        var thrown = await Assert.ThrowsAsync<HttpRequestException>(() => http.PostAsync(OpenAIChat, Json("""{"model":"gpt-4o-mini"}""")));
        Assert.Same(boom, thrown);
        var e = client.Single();
        Assert.Equal(UsageStatus.Error, e.Status);
        Assert.Null(e.HttpStatus);
        Assert.Equal("gpt-4o-mini", e.Model);
        Assert.Equal(0m, e.CostUsd);
    }

    [Fact]
    public async Task Cancellation_is_recorded_as_an_error_marked_cancelled()
    {
        using var cts = new CancellationTokenSource();
        await using var client = new TestClient();
        using var http = client.Http(new StubHandler(async (_, token) =>
        {
            await cts.CancelAsync();
            token.ThrowIfCancellationRequested();
            return new HttpResponseMessage();
        }));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => http.PostAsync(OpenAIChat, Json("{}"), cts.Token));
        var e = client.Single();
        Assert.Equal(UsageStatus.Error, e.Status);
        Assert.Equal("cancelled", e.Metadata!["lensai.exception"]);
    }

    [Theory]
    [InlineData("GET", "https://api.openai.com/v1/models")]
    [InlineData("POST", "https://example.com/v1/chat/completions")]
    [InlineData("POST", "https://api.anthropic.com/v1/messages/count_tokens")]
    [InlineData("GET", "https://api.openai.com/v1/responses/resp_123")]
    public async Task Other_requests_pass_through_uncaptured(string method, string url)
    {
        await using var client = new TestClient();
        using var http = client.Http(StubHandler.Returning("{}"u8.ToArray(), "application/json"));
        using var response = await http.SendAsync(new HttpRequestMessage(new HttpMethod(method), url));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(client.Events);
    }

    [Fact]
    public async Task A_body_lensai_cannot_read_never_breaks_the_call_and_is_counted()
    {
        await using var client = new TestClient();
        using var metrics = new MetricCollector(client.Lens.Metrics.Meter);
        var garbage = "{\"id\":\"x\",\"usage\":{\"prompt_tokens\":5,,,}"u8.ToArray();
        using var http = client.Http(StubHandler.Returning(garbage, "application/json"));

        using var response = await http.PostAsync(OpenAIChat, Json("""{"model":"gpt-4o-mini"}"""));
        Assert.Equal(garbage, await response.Content.ReadAsByteArrayAsync());
        var e = client.Single();
        Assert.Equal(UsageStatus.Ok, e.Status);
        Assert.Equal(1, metrics.Sum("lensai.capture.errors"));
    }

    [Fact]
    public async Task Unknown_model_is_recorded_unpriced_and_counted()
    {
        await using var client = new TestClient();
        using var metrics = new MetricCollector(client.Lens.Metrics.Meter);
        var body = """{"id":"x","model":"my-private-model","usage":{"prompt_tokens":5,"completion_tokens":1}}"""u8.ToArray();
        using var http = client.Http(StubHandler.Returning(body, "application/json"));

        for (var i = 0; i < 3; i++)
        {
            using var response = await http.PostAsync(OpenAIChat, Json("{}"));
            await response.Content.ReadAsByteArrayAsync();
        }

        Assert.All(client.Events, e => Assert.Null(e.CostUsd));
        Assert.All(client.Events, e => Assert.Null(e.PriceVersion));
        Assert.Equal(3, metrics.Sum("lensai.events.unpriced"));
    }

    [Fact]
    public async Task Two_lensai_handlers_in_one_chain_record_one_event()
    {
        await using var client = new TestClient();
        var inner = client.Lens.CreateHandler(StubHandler.Returning(Fixtures.Bytes("openai/chat-completion-basic.json"), "application/json"));
        using var http = new HttpClient(client.Lens.CreateHandler(inner));
        using var response = await http.PostAsync(OpenAIChat, Json("{}"));
        await response.Content.ReadAsByteArrayAsync();
        Assert.Single(client.Events);
    }

    [Fact]
    public async Task Disabled_client_passes_everything_through()
    {
        await using var client = new TestClient(o => o.Enabled = false);
        using var http = client.Http(StubHandler.Returning(Fixtures.Bytes("openai/chat-completion-basic.json"), "application/json"));
        using var response = await http.PostAsync(OpenAIChat, Json("{}"));
        await response.Content.ReadAsByteArrayAsync();
        Assert.Empty(client.Events);
    }

    /// <summary>A chunked stream that advances a fake clock before every read.</summary>
    private sealed class ClockedStream(byte[] data, int chunk, FakeTimeProvider time, TimeSpan perRead) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            time.Advance(perRead);
            var n = Math.Min(Math.Min(chunk, count), data.Length - _position);
            Array.Copy(data, _position, buffer, offset, n);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
