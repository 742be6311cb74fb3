namespace LensAI.Capture;

/// <summary>
/// The model names requests and responses carry, as strings made once: an application calls a handful of models, so the name of
/// every response need not be a new string. A small table of recent names, looked up by their UTF-8 bytes.
/// </summary>
internal static class ModelNames
{
    private const int Slots = 64;
    private static readonly Entry?[] s_entries = new Entry?[Slots];

    public static string Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > 128)
        {
            return System.Text.Encoding.UTF8.GetString(utf8);
        }

        var slot = (int)(Hash(utf8) % Slots);
        if (Volatile.Read(ref s_entries[slot]) is { } entry && utf8.SequenceEqual(entry.Utf8))
        {
            return entry.Name;
        }

        var name = System.Text.Encoding.UTF8.GetString(utf8);
        Volatile.Write(ref s_entries[slot], new Entry(utf8.ToArray(), name));
        return name;
    }

    private static uint Hash(ReadOnlySpan<byte> bytes)
    {
        var hash = 2166136261u; // FNV-1a
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 16777619u;
        }

        return hash;
    }

    private sealed record Entry(byte[] Utf8, string Name);
}
