using System.Runtime.CompilerServices;

namespace LensAI.Capture;

/// <summary>
/// The bytes of a body that is already in memory (<see cref="ByteArrayContent"/> and so <see cref="StringContent"/>,
/// <see cref="ReadOnlyMemoryContent"/>), looked at where they are: no stream, no copy, nothing consumed.
/// </summary>
/// <remarks>
/// Reads the contents' private fields through <see cref="UnsafeAccessorAttribute"/> (no reflection). A runtime whose
/// contents keep their bytes elsewhere makes the first look fail; from then on the bodies are read as any other body.
/// </remarks>
internal static class InMemoryBody
{
    private static volatile bool s_unavailable;

    public static bool TryGet(HttpContent content, out ReadOnlyMemory<byte> body)
    {
        if (!s_unavailable)
        {
            try
            {
                switch (content)
                {
                    case ByteArrayContent bytes:
                        body = ByteArray(bytes).AsMemory(Offset(bytes), Count(bytes));
                        return true;
                    case ReadOnlyMemoryContent memory:
                        body = Memory(memory);
                        return true;
                }
            }
            catch (MissingFieldException)
            {
                s_unavailable = true;
            }
        }

        body = default;
        return false;
    }

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_content")]
    private static extern ref byte[] ByteArray(ByteArrayContent content);

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_offset")]
    private static extern ref int Offset(ByteArrayContent content);

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_count")]
    private static extern ref int Count(ByteArrayContent content);

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_content")]
    private static extern ref ReadOnlyMemory<byte> Memory(ReadOnlyMemoryContent content);
}
