using System.Net;
using System.Text;
using LensAI.Testing;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace LensAI.Tests.Diagnostics;

/// <summary>
/// The SDK's meter, read through the OpenTelemetry SDK and its in-memory exporter: the GenAI semantic conventions'
/// client metrics beside LensAI's own cost counter, with bounded tags.
/// </summary>
public sealed class GenAiMetricsTests
{
    // A model name no other test uses (other clients in this process report on meters of the same name), priced
    // through an alias as gpt-4o-mini: $0.15 / $0.60 per 1M tokens.
    private const string Model = "genai-metrics-test-model";

    [Fact]
    public async Task A_call_records_token_usage_and_duration_by_the_conventions_and_its_cost_by_provider_and_model()
    {
        var exported = new List<Metric>();
        // Read before the provider is disposed: disposing exports once more, a second copy of every point.
        using var meters = Sdk.CreateMeterProviderBuilder().AddMeter("LensAI").AddInMemoryExporter(exported).Build();
        await using var client = new TestClient(o => o.ModelAliases[Model] = "gpt-4o-mini");
        var body = Fixtures.Text("openai/chat-completion-basic.json").Replace("gpt-4o-mini-2024-07-18", Model, StringComparison.Ordinal);
        using var http = client.Http(StubHandler.Returning(Encoding.UTF8.GetBytes(body), "application/json"));
        using var response = await http.PostAsync("https://api.openai.com/v1/chat/completions", new StringContent("""{"model":"gpt-4o-mini","user":"alice@example.com"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(meters.ForceFlush());

        // The fixture's usage: 11 prompt and 9 completion tokens.
        var tokens = Points(exported, "gen_ai.client.token.usage");
        Assert.Equal("{token}", exported.First(m => m.Name == "gen_ai.client.token.usage").Unit);
        var input = Assert.Single(tokens, p => Tag(p, "gen_ai.token.type") == "input");
        var output = Assert.Single(tokens, p => Tag(p, "gen_ai.token.type") == "output");
        Assert.Equal((1, 11d), (input.GetHistogramCount(), input.GetHistogramSum()));
        Assert.Equal((1, 9d), (output.GetHistogramCount(), output.GetHistogramSum()));
        foreach (var point in tokens)
        {
            Assert.Equal("openai", Tag(point, "gen_ai.provider.name"));
            Assert.Equal("chat", Tag(point, "gen_ai.operation.name"));
            Assert.Equal(Model, Tag(point, "gen_ai.response.model"));
            Assert.Equal(Model, Tag(point, "gen_ai.request.model"));
        }

        var duration = Assert.Single(Points(exported, "gen_ai.client.operation.duration"));
        Assert.Equal("s", exported.First(m => m.Name == "gen_ai.client.operation.duration").Unit);
        Assert.Equal(1, duration.GetHistogramCount());
        Assert.Null(Tag(duration, "error.type"));

        var cost = Assert.Single(Points(exported, "lensai.cost"));
        Assert.Equal("openai", Tag(cost, "provider"));
        Assert.Equal(((11 * 0.15) + (9 * 0.60)) / 1_000_000, cost.GetSumDouble(), 12);

        // Bounded cardinality: no user, route or metadata tag on any LensAI instrument.
        foreach (var metric in exported)
        {
            foreach (var point in PointsOf(metric))
            {
                foreach (var tag in point.Tags)
                {
                    Assert.DoesNotContain("user", tag.Key, StringComparison.Ordinal);
                    Assert.DoesNotContain("route", tag.Key, StringComparison.Ordinal);
                    Assert.NotEqual("alice@example.com", tag.Value as string);
                }
            }
        }
    }

    [Fact]
    public async Task A_failed_call_records_its_duration_with_the_error_type_and_no_tokens()
    {
        const string Failing = "genai-metrics-test-failing-model";
        var exported = new List<Metric>();
        // Read before the provider is disposed: disposing exports once more, a second copy of every point.
        using var meters = Sdk.CreateMeterProviderBuilder().AddMeter("LensAI").AddInMemoryExporter(exported).Build();
        await using var client = new TestClient();
        using var http = client.Http(new StubHandler((_, _) => Task.FromResult(new HttpResponseMessage(HttpStatusCode.TooManyRequests)
        {
            Content = new StringContent("""{"error":{"message":"Rate limit reached","type":"requests"}}""", Encoding.UTF8, "application/json"),
        })));
        using var response = await http.PostAsync("https://api.openai.com/v1/chat/completions", new StringContent($$"""{"model":"{{Failing}}"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.True(meters.ForceFlush());

        var duration = Assert.Single(Points(exported, "gen_ai.client.operation.duration"), p => Tag(p, "gen_ai.response.model") == Failing);
        Assert.Equal("429", Tag(duration, "error.type"));
        Assert.DoesNotContain(Points(exported, "gen_ai.client.token.usage"), p => Tag(p, "gen_ai.response.model") == Failing);
    }

    [Theory]
    [InlineData("openai", "openai")]
    [InlineData("azure_openai", "azure.ai.openai")]
    [InlineData("anthropic", "anthropic")]
    [InlineData("gemini", "gcp.gemini")]
    [InlineData("vertex_ai", "gcp.vertex_ai")]
    [InlineData("mistral", "mistral_ai")]
    public void Provider_names_follow_the_conventions(string provider, string expected)
        => Assert.Equal(expected, LensAI.Diagnostics.LensAIMetrics.GenAiProvider(provider));

    /// <summary>The points of one instrument that belong to this class's calls (by their model tag).</summary>
    private static List<MetricPoint> Points(List<Metric> exported, string name)
        => exported.Where(m => m.Name == name).SelectMany(PointsOf)
            .Where(p => (Tag(p, "gen_ai.response.model") ?? Tag(p, "model")) is Model or "genai-metrics-test-failing-model")
            .ToList();

    private static List<MetricPoint> PointsOf(Metric metric)
    {
        var points = new List<MetricPoint>();
        foreach (ref readonly var point in metric.GetMetricPoints())
        {
            points.Add(point);
        }

        return points;
    }

    private static string? Tag(MetricPoint point, string key)
    {
        foreach (var tag in point.Tags)
        {
            if (tag.Key == key)
            {
                return tag.Value as string;
            }
        }

        return null;
    }
}
