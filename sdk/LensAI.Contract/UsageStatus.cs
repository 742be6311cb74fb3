using System.Text.Json.Serialization;

namespace LensAI;

/// <summary>How an LLM call ended. Serialized as <c>ok</c>, <c>rate_limited</c>, <c>error</c> or <c>blocked</c>.</summary>
[JsonConverter(typeof(UsageStatusJsonConverter))]
public enum UsageStatus
{
    /// <summary>The provider answered with a 2xx status.</summary>
    Ok = 0,

    /// <summary>The provider answered 429 Too Many Requests.</summary>
    RateLimited = 1,

    /// <summary>Any other 4xx/5xx answer, or an exception (timeout, cancellation, network failure).</summary>
    Error = 2,

    /// <summary>LensAI stopped the call before it reached the provider because a budget was exhausted.</summary>
    Blocked = 3,
}
