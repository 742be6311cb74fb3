using System.Text;

namespace LensAI.Estimation;

/// <summary>How an estimate is merged into what a provider reported, shared by every capture path.</summary>
internal static class UsageEstimate
{
    /// <summary>
    /// What the provider reported, with the input replaced by <paramref name="prompt"/> when none was reported and the
    /// output raised to <paramref name="output"/> when that is more; cached, cache-write and reasoning counts stay.
    /// </summary>
    /// <param name="reported">What the provider reported (zeros where it reported nothing).</param>
    /// <param name="prompt">The estimated input tokens (0: none).</param>
    /// <param name="output">The estimated output tokens (0: none).</param>
    /// <param name="estimated">Whether any count changed (the event is then marked <see cref="UsageEvent.UsageEstimated"/>).</param>
    public static TokenUsage Merge(TokenUsage reported, int prompt, int output, out bool estimated)
    {
        var input = reported.InputTokens == 0 && prompt > 0 ? prompt : reported.InputTokens;
        var outputTokens = Math.Max(reported.OutputTokens, output);
        estimated = input != reported.InputTokens || outputTokens != reported.OutputTokens;
        return estimated
            ? reported with { InputTokens = Math.Max(input, reported.CachedInputTokens + reported.CacheWriteTokens), OutputTokens = Math.Max(outputTokens, reported.ReasoningTokens) }
            : reported;
    }

    /// <summary>The metadata entry naming the estimator, merged into <paramref name="metadata"/>.</summary>
    public static IReadOnlyDictionary<string, string>? Named(IReadOnlyDictionary<string, string>? metadata, string estimator)
        => AttributionScope.Merge(metadata, new Dictionary<string, string> { [UsageEvent.EstimatorMetadataKey] = estimator });

    /// <summary>The tokens of <paramref name="text"/> by <paramref name="estimator"/> (UTF-8 encoded for it).</summary>
    public static int Count(TokenEstimator estimator, string provider, string model, string text)
    {
        if (text.Length == 0)
        {
            return 0;
        }

        if (ReferenceEquals(estimator, TokenEstimator.Default))
        {
            return (Encoding.UTF8.GetByteCount(text) + 3) / 4;
        }

        return estimator.CountTokens(provider, model, Encoding.UTF8.GetBytes(text));
    }
}
