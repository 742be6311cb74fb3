namespace LensAI.Shipping;

/// <summary>
/// Where the batch processor hands its batches: the ingest transport, or the spooling transport wrapped around it
/// (the way Sentry's <c>CachingTransport</c> wraps its HTTP transport). A transport settles every event it is given:
/// delivered, or spooled for later, or dropped and counted in <c>lensai.events.dropped</c>.
/// </summary>
internal interface IEventTransport : IAsyncDisposable
{
    /// <summary>Bytes kept for later (the spool), for the <c>lensai.spool.size</c> gauge.</summary>
    long StoredBytes { get; }

    /// <summary>
    /// Sends one batch. The list is the caller's again once the task completes. Returns how many of its events are
    /// lost for good (rejected by the endpoint, or dropped); events kept in the spool are not lost. Throws only
    /// <see cref="OperationCanceledException"/> for <paramref name="cancellationToken"/>.
    /// </summary>
    Task<int> SendAsync(IReadOnlyList<UsageEvent> batch, CancellationToken cancellationToken);

    /// <summary>
    /// Keeps a batch without sending it (shutdown): spooled when there is a spool, else dropped and counted under
    /// <paramref name="reason"/>. Returns whether it was kept.
    /// </summary>
    bool Keep(IReadOnlyList<UsageEvent> batch, string reason);

    /// <summary>Sends what was kept earlier (the spool), within the token. Returns <see langword="true"/> when nothing is left.</summary>
    Task<bool> FlushAsync(CancellationToken cancellationToken);
}
