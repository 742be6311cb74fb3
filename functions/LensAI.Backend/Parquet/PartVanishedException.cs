namespace LensAI.Backend.Parquet;

/// <summary>
/// A listed part was gone when it was fetched: the part merger or compaction replaced it between listing and reading.
/// Readers list again (the merged file is in the new listing) rather than read an incomplete set of parts.
/// </summary>
internal sealed class PartVanishedException : Exception
{
    /// <summary>Creates the exception for the part stored under <paramref name="key"/>.</summary>
    public PartVanishedException(string key)
        : base($"The part '{key}' was replaced (merged or compacted) between listing and reading; list the parts again.")
    {
        Key = key;
    }

    /// <summary>The storage key of the part that vanished.</summary>
    public string Key { get; }
}
