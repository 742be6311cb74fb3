using System.Runtime.InteropServices;

namespace LensAI.Backend.Ingest;

/// <summary>
/// The most recent event ids this instance accepted (per project, bounded, oldest forgotten first) with a fingerprint of
/// each event's content, so a re-sent <c>event_id</c> whose content differs — a client bug: storage keeps the first
/// copy only — is counted and answered instead of silently dropped. Ids and fingerprints are 64- and 32-bit hashes
/// seeded per process, so the window costs a few dozen bytes per event whatever the ids' length.
/// </summary>
internal sealed class ConflictWindow(int capacity)
{
    private readonly Dictionary<long, int> _fingerprints = new(Math.Min(capacity, 1 << 16));
    private readonly Queue<long> _order = new(Math.Min(capacity, 1 << 16));
    private readonly Lock _gate = new();

    /// <summary>
    /// Records the events of one batch of <paramref name="project"/> and returns how many re-use an <c>event_id</c> seen
    /// before (in this batch or a recent one) with different content. An exact re-send (a retry) is no conflict.
    /// </summary>
    public int Record(string project, IReadOnlyList<UsageEvent> events)
    {
        if (capacity <= 0 || events.Count == 0)
        {
            return 0;
        }

        var conflicts = 0;
        lock (_gate)
        {
            foreach (var e in events)
            {
                var id = IdHash(project, e.EventId);
                var fingerprint = Fingerprint(e);
                ref var known = ref CollectionsMarshal.GetValueRefOrAddDefault(_fingerprints, id, out var exists);
                if (exists)
                {
                    conflicts += known == fingerprint ? 0 : 1;
                    continue; // storage keeps the first copy: so does the window
                }

                known = fingerprint;
                _order.Enqueue(id);
                if (_order.Count > capacity)
                {
                    _fingerprints.Remove(_order.Dequeue());
                }
            }
        }

        return conflicts;
    }

    /// <summary>64 bits for (project, event id): two independently seeded 32-bit hashes.</summary>
    private static long IdHash(string project, string eventId)
    {
        var second = new HashCode();
        second.AddBytes(MemoryMarshal.AsBytes(project.AsSpan()));
        second.Add('\n');
        second.AddBytes(MemoryMarshal.AsBytes(eventId.AsSpan()));
        return ((long)string.GetHashCode(eventId.AsSpan()) << 32) | (uint)second.ToHashCode();
    }

    /// <summary>A hash of every field the event carries (metadata in any order).</summary>
    internal static int Fingerprint(UsageEvent e)
    {
        var hash = new HashCode();
        hash.Add(e.Timestamp.UtcTicks);
        hash.Add(e.RequestId);
        hash.Add(e.UserId);
        hash.Add(e.Route);
        hash.Add(e.Provider);
        hash.Add(e.Model);
        hash.Add(e.Operation);
        hash.Add(e.Stream);
        hash.Add(e.TokensIn);
        hash.Add(e.TokensOut);
        hash.Add(e.TokensCachedIn);
        hash.Add(e.TokensCacheWrite);
        hash.Add(e.TokensCacheWrite1h);
        hash.Add(e.TokensReasoning);
        hash.Add(e.TokensAudioIn);
        hash.Add(e.TokensAudioCachedIn);
        hash.Add(e.TokensAudioOut);
        hash.Add(e.CostUsd);
        hash.Add(e.PriceVersion);
        hash.Add(e.ServiceTier);
        hash.Add(e.UsageEstimated);
        hash.Add(e.LatencyMs);
        hash.Add(e.TtftMs);
        hash.Add(e.Status);
        hash.Add(e.HttpStatus);
        hash.Add(e.Sdk);
        var metadata = 0;
        foreach (var (key, value) in e.Metadata ?? new Dictionary<string, string>())
        {
            metadata += HashCode.Combine(key, value); // order-independent
        }

        hash.Add(metadata);
        return hash.ToHashCode();
    }
}
