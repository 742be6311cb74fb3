namespace LensAI.Shipping;

/// <summary>Where recorded events go: the batch processor.</summary>
internal interface IEventSink
{
    /// <summary>Never blocks, never throws; returns <see langword="false"/> when the event was dropped (and counted).</summary>
    bool TryEnqueue(UsageEvent usageEvent);
}
