namespace LensAI;

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
