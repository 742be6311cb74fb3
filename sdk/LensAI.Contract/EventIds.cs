namespace LensAI;

/// <summary>
/// Makes the contract's event ids (<c>event_id</c>, the idempotency key): ULIDs, 48-bit millisecond time + 80 random
/// bits in Crockford base32, 26 characters, sortable by time. The backend names its Parquet parts with them too.
/// </summary>
public static class EventIds
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    /// <summary>Returns a new ULID whose time part is <paramref name="timestamp"/> (to the millisecond).</summary>
    /// <remarks>
    /// The 80 random bits come from <see cref="Random.Shared"/>: ids must be unique, not secret, and a cryptographic
    /// generator costs ~2 µs per call on the capture path.
    /// </remarks>
    public static string NewUlid(DateTimeOffset timestamp)
    {
        Span<byte> random = stackalloc byte[10];
        Random.Shared.NextBytes(random);
        return Format((ulong)timestamp.ToUnixTimeMilliseconds(), random);
    }

    internal static string Format(ulong milliseconds, ReadOnlySpan<byte> random)
    {
        return string.Create(26, (milliseconds, r0: ReadUInt40(random[..5]), r1: ReadUInt40(random[5..10])), static (span, state) =>
        {
            var time = state.milliseconds;
            for (var i = 9; i >= 0; i--)
            {
                span[i] = Alphabet[(int)(time & 31)];
                time >>= 5;
            }

            WriteUInt40(span.Slice(10, 8), state.r0);
            WriteUInt40(span.Slice(18, 8), state.r1);
        });
    }

    private static ulong ReadUInt40(ReadOnlySpan<byte> b) =>
        ((ulong)b[0] << 32) | ((ulong)b[1] << 24) | ((ulong)b[2] << 16) | ((ulong)b[3] << 8) | b[4];

    private static void WriteUInt40(Span<char> destination, ulong value)
    {
        for (var i = 7; i >= 0; i--)
        {
            destination[i] = Alphabet[(int)(value & 31)];
            value >>= 5;
        }
    }
}
