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

/// <summary>Wire names of <see cref="UsageStatus"/>.</summary>
public static class UsageStatusNames
{
    /// <summary><c>ok</c></summary>
    public const string Ok = "ok";

    /// <summary><c>rate_limited</c></summary>
    public const string RateLimited = "rate_limited";

    /// <summary><c>error</c></summary>
    public const string Error = "error";

    /// <summary><c>blocked</c></summary>
    public const string Blocked = "blocked";

    /// <summary>Returns the wire name of <paramref name="status"/>.</summary>
    public static string ToWireName(this UsageStatus status) => status switch
    {
        UsageStatus.Ok => Ok,
        UsageStatus.RateLimited => RateLimited,
        UsageStatus.Error => Error,
        UsageStatus.Blocked => Blocked,
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Unknown usage status."),
    };

    /// <summary>Parses a wire name; returns <see langword="false"/> for anything else (case-sensitive).</summary>
    public static bool TryParse(ReadOnlySpan<char> value, out UsageStatus status)
    {
        switch (value)
        {
            case Ok: status = UsageStatus.Ok; return true;
            case RateLimited: status = UsageStatus.RateLimited; return true;
            case Error: status = UsageStatus.Error; return true;
            case Blocked: status = UsageStatus.Blocked; return true;
            default: status = default; return false;
        }
    }
}

internal sealed class UsageStatusJsonConverter : JsonConverter<UsageStatus>
{
    public override UsageStatus Read(ref System.Text.Json.Utf8JsonReader reader, Type typeToConvert, System.Text.Json.JsonSerializerOptions options)
    {
        var text = reader.GetString();
        return text is not null && UsageStatusNames.TryParse(text, out var status)
            ? status
            : throw new System.Text.Json.JsonException($"'{text}' is not a usage status; expected ok, rate_limited, error or blocked.");
    }

    public override void Write(System.Text.Json.Utf8JsonWriter writer, UsageStatus value, System.Text.Json.JsonSerializerOptions options)
        => writer.WriteStringValue(value.ToWireName());
}
