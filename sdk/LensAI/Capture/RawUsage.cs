namespace LensAI.Capture;

/// <summary>The wire dialect of a provider's usage block; decides how raw counts normalize to <see cref="TokenUsage"/>.</summary>
internal enum UsageDialect : byte
{
    /// <summary>OpenAI Chat Completions and OpenAI-compatible servers: <c>prompt_tokens</c> includes cached tokens.</summary>
    OpenAIChat,

    /// <summary>OpenAI Responses API: <c>input_tokens</c> includes cached tokens.</summary>
    OpenAIResponses,

    /// <summary>OpenAI embeddings: input only.</summary>
    OpenAIEmbeddings,

    /// <summary>Anthropic Messages: <c>input_tokens</c> excludes cache reads and writes.</summary>
    Anthropic,

    /// <summary>Gemini <c>usageMetadata</c>: <c>candidatesTokenCount</c> excludes <c>thoughtsTokenCount</c>.</summary>
    Gemini,
}

/// <summary>Every usage number a provider reported, as seen on the wire (last value wins: streams report cumulative totals).</summary>
internal struct RawUsage
{
    public long? PromptTokens;
    public long? CompletionTokens;
    public long? InputTokens;
    public long? OutputTokens;
    public long? CachedTokens;
    public long? CacheWriteTokens;
    public long? ReasoningTokens;
    public long? CacheReadInputTokens;
    public long? CacheCreationInputTokens;
    public long? Ephemeral5mInputTokens;
    public long? Ephemeral1hInputTokens;
    public long? PromptTokenCount;
    public long? CandidatesTokenCount;
    public long? ThoughtsTokenCount;
    public long? CachedContentTokenCount;
    public long? ToolUsePromptTokenCount;

    /// <summary>Whether the response carried any usage number at all.</summary>
    public bool Seen;

    /// <summary>
    /// Normalizes to DESIGN.md's semantics: input includes cached reads and writes, output includes reasoning.
    /// Counts a provider reports inconsistently are clamped so parts never exceed wholes; <paramref name="clamped"/> says so.
    /// </summary>
    public readonly TokenUsage Normalize(UsageDialect dialect, out bool clamped)
    {
        long input, output, cached, write, write1h = 0, reasoning;
        switch (dialect)
        {
            case UsageDialect.Anthropic:
                cached = CacheReadInputTokens ?? 0;
                write = CacheCreationInputTokens ?? ((Ephemeral5mInputTokens ?? 0) + (Ephemeral1hInputTokens ?? 0));
                write1h = Ephemeral1hInputTokens ?? 0;
                input = (InputTokens ?? 0) + cached + write;
                output = OutputTokens ?? 0;
                reasoning = 0; // Anthropic bills thinking as output and reports no separate count.
                break;
            case UsageDialect.Gemini:
                cached = CachedContentTokenCount ?? 0;
                write = 0;
                input = (PromptTokenCount ?? 0) + (ToolUsePromptTokenCount ?? 0);
                reasoning = ThoughtsTokenCount ?? 0;
                output = (CandidatesTokenCount ?? 0) + reasoning;
                break;
            case UsageDialect.OpenAIResponses:
                input = InputTokens ?? PromptTokens ?? 0;
                output = OutputTokens ?? CompletionTokens ?? 0;
                cached = CachedTokens ?? 0;
                write = CacheWriteTokens ?? 0;
                reasoning = ReasoningTokens ?? 0;
                break;
            case UsageDialect.OpenAIEmbeddings:
                input = PromptTokens ?? InputTokens ?? 0;
                output = 0;
                cached = CachedTokens ?? 0;
                write = 0;
                reasoning = 0;
                break;
            default:
                input = PromptTokens ?? InputTokens ?? 0;
                output = CompletionTokens ?? OutputTokens ?? 0;
                cached = CachedTokens ?? 0;
                write = CacheWriteTokens ?? 0;
                reasoning = ReasoningTokens ?? 0;
                break;
        }

        clamped = false;
        input = Clamp(input, 0, int.MaxValue, ref clamped);
        output = Clamp(output, 0, int.MaxValue, ref clamped);
        cached = Clamp(cached, 0, input, ref clamped);
        write = Clamp(write, 0, input - cached, ref clamped);
        write1h = Clamp(write1h, 0, write, ref clamped);
        reasoning = Clamp(reasoning, 0, output, ref clamped);
        return new TokenUsage((int)input, (int)output, (int)cached, (int)write, (int)reasoning) { CacheWrite1hTokens = (int)write1h };
    }

    private static long Clamp(long value, long min, long max, ref bool clamped)
    {
        if (value < min)
        {
            clamped = true;
            return min;
        }

        if (value > max)
        {
            clamped = true;
            return max;
        }

        return value;
    }
}
