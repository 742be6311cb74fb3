using System.Text.Json.Serialization;

namespace LensAI;

/// <summary>The body of <c>POST /v1/events</c>: <c>{"events":[…]}</c>.</summary>
public sealed class UsageEventBatch
{
    /// <summary>The events of the batch.</summary>
    [JsonPropertyName("events")]
    public required IReadOnlyList<UsageEvent> Events { get; init; }
}
