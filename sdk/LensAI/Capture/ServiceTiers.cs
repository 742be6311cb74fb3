namespace LensAI.Capture;

/// <summary>
/// Maps the service tier each provider reports to the catalogue's names. OpenAI sends <c>service_tier</c>
/// (<c>default</c>, <c>auto</c>, <c>flex</c>, <c>priority</c>, <c>scale</c>) on chat completions and responses;
/// Anthropic sends <c>usage.service_tier</c> (<c>standard</c>, <c>priority</c>, <c>batch</c>); the Gemini API sends
/// <c>usageMetadata.serviceTier</c> and Vertex AI <c>usageMetadata.trafficType</c> (<c>ON_DEMAND</c>,
/// <c>ON_DEMAND_FLEX</c>, <c>ON_DEMAND_PRIORITY</c>, <c>PROVISIONED_THROUGHPUT</c>).
/// </summary>
internal static class ServiceTiers
{
    /// <summary>The catalogue's name for a reported tier; <see langword="null"/> for standard processing or nothing recognizable.</summary>
    public static string? Normalize(ReadOnlySpan<byte> reported)
    {
        if (reported.IsEmpty || reported.Length > 64)
        {
            return null;
        }

        Span<byte> lower = stackalloc byte[reported.Length];
        for (var i = 0; i < reported.Length; i++)
        {
            var b = reported[i];
            lower[i] = b is >= (byte)'A' and <= (byte)'Z' ? (byte)(b | 0x20) : b;
        }

        if (lower.StartsWith("on_demand_"u8))
        {
            lower = lower["on_demand_"u8.Length..];
        }

        return lower switch
        {
            _ when lower.SequenceEqual("flex"u8) => "flex",
            _ when lower.SequenceEqual("priority"u8) => "priority",
            _ when lower.SequenceEqual("batch"u8) => "batch",
            _ when lower.SequenceEqual("scale"u8) => "scale",
            _ when lower.SequenceEqual("provisioned_throughput"u8) => "provisioned",
            _ => null, // default, auto, standard, on_demand, and names not known yet: priced at the standard rates
        };
    }
}
