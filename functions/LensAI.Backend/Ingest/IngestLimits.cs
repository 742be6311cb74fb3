namespace LensAI.Backend.Ingest;

/// <summary>Limits of <c>POST /v1/events</c>. Defaults are generous for real traffic and tight for abuse.</summary>
public sealed class IngestLimits
{
    /// <summary>Largest request body as sent (compressed or not). Default 5 MiB.</summary>
    public long MaxRequestBytes { get; set; } = 5L * 1024 * 1024;

    /// <summary>Largest body after gzip inflation; a gzip bomb is refused once this many bytes came out. Default 32 MiB.</summary>
    public long MaxDecompressedBytes { get; set; } = 32L * 1024 * 1024;

    /// <summary>Most events per batch. Default 10,000.</summary>
    public int MaxEventsPerBatch { get; set; } = 10_000;

    /// <summary>Longest identifier-like string (event_id, request_id, provider, model, operation, sdk, price_version, service_tier). Default 256.</summary>
    public int MaxIdLength { get; set; } = UsageEventFields.MaxIdLength;

    /// <summary>Longest user_id. Default 256.</summary>
    public int MaxUserIdLength { get; set; } = UsageEventFields.MaxUserIdLength;

    /// <summary>Longest route. Default 512.</summary>
    public int MaxRouteLength { get; set; } = UsageEventFields.MaxRouteLength;

    /// <summary>Most metadata entries per event. Default 32.</summary>
    public int MaxMetadataEntries { get; set; } = 32;

    /// <summary>Longest metadata key. Default 64.</summary>
    public int MaxMetadataKeyLength { get; set; } = 64;

    /// <summary>Longest metadata value. Default 1,024.</summary>
    public int MaxMetadataValueLength { get; set; } = 1024;

    /// <summary>Largest token count of any kind in one call. Default 100M.</summary>
    public int MaxTokens { get; set; } = 100_000_000;

    /// <summary>Oldest accepted <c>ts</c>, relative to now (the SDK spools up to 48 h by default). Default 7 days.</summary>
    public TimeSpan MaxEventAge { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Furthest accepted <c>ts</c> in the future (clock skew). Default 10 minutes.</summary>
    public TimeSpan MaxClockSkew { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How many recently accepted event ids each instance remembers (with a hash of their content) to count a re-sent
    /// <c>event_id</c> with different content as a conflict (<c>conflicts</c> in the answer, the
    /// <c>lensai.ingest.events.conflicts</c> metric). About 40 bytes each; 0 turns the check off. Default 100,000.
    /// </summary>
    public int ConflictWindowEvents { get; set; } = 100_000;

    /// <summary>Deepest JSON nesting accepted in a body. Default 8.</summary>
    public int MaxJsonDepth { get; set; } = 8;
}
