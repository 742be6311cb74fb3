namespace LensAI.Backend.Http;

/// <summary>
/// The most bytes an endpoint's request body may hold (0: no body at all), as endpoint metadata: every route
/// <c>MapLensAIApi</c> maps carries one (a test sends each one byte too many), and its handler enforces it, so it holds
/// in every host. It is not handed to Kestrel as its own limit: Kestrel would close the connection on a client that
/// sends too much instead of letting it read the 413.
/// </summary>
internal sealed class BodyLimit(long maxBytes)
{
    /// <summary>No body at all (the GET endpoints).</summary>
    public static BodyLimit None { get; } = new(0);

    /// <summary>A small JSON or form body: <c>PUT /v1/budgets</c>, Slack actions (1 MiB).</summary>
    public static BodyLimit Small { get; } = new(RequestBody.MaxSmallBodyBytes);

    /// <summary>The limit, in bytes.</summary>
    public long MaxBytes { get; } = maxBytes;
}
