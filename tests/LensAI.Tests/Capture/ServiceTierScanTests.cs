using System.Text;
using LensAI.Capture;

namespace LensAI.Tests.Capture;

/// <summary>Each provider's way of reporting its service tier, read by the scanner and named as the catalogue names it.</summary>
public sealed class ServiceTierScanTests
{
    [Theory]
    // OpenAI chat: the tier follows the usage at the end of the document (the tail read) or precedes it.
    [InlineData("""{"id":"c","model":"o3","choices":[{"message":{"content":"x"}}],"usage":{"prompt_tokens":5,"completion_tokens":2},"service_tier":"flex"}""", "flex")]
    [InlineData("""{"id":"c","model":"o3","service_tier":"priority","choices":[],"usage":{"prompt_tokens":5}}""", "priority")]
    [InlineData("""{"id":"c","model":"o3","choices":[],"usage":{"prompt_tokens":5},"service_tier":"default"}""", null)]
    [InlineData("""{"id":"c","model":"o3","choices":[],"usage":{"prompt_tokens":5},"service_tier":"scale"}""", "scale")]
    // OpenAI Responses: on the response object of response.completed.
    [InlineData("""{"type":"response.completed","response":{"id":"r","model":"gpt-5","service_tier":"flex","usage":{"input_tokens":3,"output_tokens":1}}}""", "flex")]
    // OpenAI Responses, not streamed: between the output and the usage, with a tool schema naming a service_tier in between.
    [InlineData("""{"id":"r","model":"gpt-5","output":[{"content":"x"}],"service_tier":"flex","tools":[{"parameters":{"properties":{"service_tier":{"type":"string"}}}}],"usage":{"input_tokens":3,"output_tokens":1},"user":null}""", "flex")]
    // Anthropic: in the usage object.
    [InlineData("""{"id":"m","model":"claude-sonnet-4","content":[],"usage":{"input_tokens":3,"output_tokens":1,"service_tier":"batch"}}""", "batch")]
    [InlineData("""{"id":"m","model":"claude-sonnet-4","content":[],"usage":{"input_tokens":3,"output_tokens":1,"service_tier":"standard"}}""", null)]
    // Gemini API and Vertex AI: usageMetadata; a standard serviceTier does not hide Vertex's priority traffic type.
    [InlineData("""{"candidates":[],"usageMetadata":{"promptTokenCount":5,"trafficType":"ON_DEMAND_PRIORITY","serviceTier":"standard"},"modelVersion":"g","responseId":"r"}""", "priority")]
    [InlineData("""{"candidates":[],"usageMetadata":{"promptTokenCount":5,"serviceTier":"flex"},"modelVersion":"g","responseId":"r"}""", "flex")]
    [InlineData("""{"candidates":[],"usageMetadata":{"promptTokenCount":5,"trafficType":"PROVISIONED_THROUGHPUT"},"modelVersion":"g","responseId":"r"}""", "provisioned")]
    [InlineData("""{"candidates":[],"usageMetadata":{"promptTokenCount":5,"trafficType":"ON_DEMAND"},"modelVersion":"g","responseId":"r"}""", null)]
    // Escaped spelling of the value is read like the plain one.
    [InlineData("""{"id":"c","model":"o3","choices":[],"service_tier":"\u0066lex","usage":{"prompt_tokens":5}}""", "flex")]
    public void The_reported_tier_is_normalized(string json, string? expected)
    {
        using var scanner = new UsageScanner();
        scanner.ScanDocument(Encoding.UTF8.GetBytes(json));

        Assert.False(scanner.Failed);
        Assert.Equal(expected, scanner.Usage.ServiceTier);
    }

    [Fact]
    public void A_tier_nested_in_message_content_is_not_the_calls_tier()
    {
        using var scanner = new UsageScanner();
        scanner.ScanDocument("""{"id":"c","model":"o3","choices":[{"message":{"content":"x","service_tier":"flex"}}],"usage":{"prompt_tokens":5}}"""u8);

        Assert.Null(scanner.Usage.ServiceTier);
    }
}
