namespace LensAI;

/// <summary>What gives way when the event buffer or the spool is full. Every dropped event is counted (<c>lensai.events.dropped</c>).</summary>
public enum OverflowPolicy
{
    /// <summary>Drop the oldest buffered events (or spooled batches) to make room for new ones.</summary>
    DropOldest = 0,

    /// <summary>Keep what is buffered and drop the new events.</summary>
    DropNewest = 1,
}
