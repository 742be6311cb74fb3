using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using LensAI.Samples.AspNetCore;
using LensAI.Testing;

namespace LensAI.Samples.Tests;

[Collection(SamplesRunOneAtATime.Name)]
public sealed partial class AspNetCoreTests
{
    [Fact]
    public async Task Demo_attributes_each_call_to_the_route_pattern_and_the_signed_in_user_and_returns_its_cost()
    {
        using var data = new TempDirectory();
        var args = SampleCommand.Arguments(DocCommands.Single("docs/samples.md", "samples-aspnetcore"), "samples/AspNetCore", data.Path);
        var output = new CapturedOutput();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));

        var exit = await ChatApiDemo.RunAsync(args, output, deadline.Token);

        Assert.Equal(0, exit);
        var text = output.Text;
        Assert.Contains("REPLAY: recorded OpenAI responses served from http://127.0.0.1:", text);
        Assert.Contains("Every event reached the backend.", text);

        var events = StoredEvents.Read(data.Path);
        Assert.All(events, e => Assert.Equal("ok", e.Status));
        Assert.Equal(
            new (string?, string?)[] { (null, "POST /chat"), ("alice", "POST /chat"), ("bob", "POST /chat/{conversationId}"), ("bob", "POST /chat/{conversationId}") },
            events.Select(e => (e.UserId, e.Route)).OrderBy(x => x.UserId, StringComparer.Ordinal).ThenBy(x => x.Route, StringComparer.Ordinal).ToArray());
        var recorded = Recorded.Usage("chat-completion-basic.json");
        Assert.All(events, e =>
        {
            Assert.Equal((recorded.Model, recorded.In, recorded.Out), (e.Model, e.TokensIn, e.TokensOut));
            Assert.NotNull(e.CostUsd);
            Assert.Equal(e.CatalogueCost, e.CostUsd);
        });

        // Each response carried its request's cost in X-LensAI-Cost-Usd: the same figure the backend stored.
        var headers = CostColumn().Matches(text).Select(m => decimal.Parse(m.Groups["cost"].Value, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(4, headers.Count);
        Assert.All(headers, cost => Assert.Equal(events[0].CostUsd, cost));
    }

    [Fact]
    public async Task Serve_mode_answers_a_request_with_its_cost_and_attributes_it()
    {
        using var data = new TempDirectory();
        var args = SampleCommand.Arguments(DocCommands.Single("docs/samples.md", "samples-aspnetcore-serve"), "samples/AspNetCore", data.Path);
        Assert.Contains("--serve", args);
        var output = new CapturedOutput();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var run = ChatApiDemo.RunAsync([.. args, "--urls", "http://127.0.0.1:0"], output, stop.Token); // any free port, not 5180

        await Eventually.TrueAsync(() => ServingAt().IsMatch(output.Text) || run.IsCompleted, TimeSpan.FromSeconds(60), "the chat API to start");
        Assert.False(run.IsCompleted, output.Text);
        var address = new Uri(ServingAt().Match(output.Text).Groups["url"].Value);
        using (var http = new HttpClient { BaseAddress = address })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "chat/trip-7") { Content = JsonContent.Create(new ChatRequest("Plan a day in Porto.")) };
            request.Headers.Add(HeaderAuthenticationHandler.UserHeader, "erin");
            using var response = await http.SendAsync(request, stop.Token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.True(response.Headers.TryGetValues("X-LensAI-Cost-Usd", out var cost), "no cost header");
            Assert.Equal(1, int.Parse(response.Headers.GetValues("X-LensAI-Calls").Single(), CultureInfo.InvariantCulture));
            var reply = await response.Content.ReadFromJsonAsync<ChatReply>(stop.Token);
            Assert.Equal("trip-7", reply!.ConversationId);

            var recorded = Recorded.Usage("chat-completion-basic.json");
            var expected = LensAI.Pricing.PriceCatalog.Default.Calculate("openai", recorded.Model, new TokenUsage(recorded.In, recorded.Out));
            Assert.Equal(expected, decimal.Parse(cost!.Single(), CultureInfo.InvariantCulture));
        }

        await stop.CancelAsync(); // Ctrl+C
        Assert.Equal(0, await run);

        var stored = Assert.Single(StoredEvents.Read(data.Path)); // the host flushed LensAI when it stopped
        Assert.Equal(("erin", "POST /chat/{conversationId}", "ok"), (stored.UserId, stored.Route, stored.Status));
    }

    [GeneratedRegex(@"^  POST /\S+\s+\S+\s+200\s+(?<cost>\d+\.\d{9})  ", RegexOptions.Multiline)]
    private static partial Regex CostColumn();

    [GeneratedRegex(@"Chat API on (?<url>http://127\.0\.0\.1:\d+/) ")]
    private static partial Regex ServingAt();
}
