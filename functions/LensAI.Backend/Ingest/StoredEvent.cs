namespace LensAI.Backend.Ingest;

/// <summary>
/// An event as stored: the SDK's event with the project from the API key, the authoritative cost and price version,
/// where the cost came from (<c>catalog</c>, <c>sdk</c> or null) and when it was ingested.
/// </summary>
internal sealed record StoredEvent(UsageEvent Event, string Project, decimal? CostUsd, string? PriceVersion, string? CostSource, DateTimeOffset IngestedAt);
