namespace LensAI.Capture;

/// <summary>
/// Every usage number a provider reported, as seen on the wire (last value wins: streams report cumulative totals).
/// Sixteen counts in one inline buffer with a bit per count that was seen (a third of the size of sixteen
/// <c>long?</c> fields): the scanner that holds it is allocated for every captured response.
/// </summary>
internal struct RawUsage
{
    private Counts _values;
    private int _seen;

    public long? PromptTokens
    {
        readonly get => Get(0);
        set => Set(0, value);
    }

    public long? CompletionTokens
    {
        readonly get => Get(1);
        set => Set(1, value);
    }

    public long? InputTokens
    {
        readonly get => Get(2);
        set => Set(2, value);
    }

    public long? OutputTokens
    {
        readonly get => Get(3);
        set => Set(3, value);
    }

    public long? CachedTokens
    {
        readonly get => Get(4);
        set => Set(4, value);
    }

    public long? CacheWriteTokens
    {
        readonly get => Get(5);
        set => Set(5, value);
    }

    public long? ReasoningTokens
    {
        readonly get => Get(6);
        set => Set(6, value);
    }

    public long? CacheReadInputTokens
    {
        readonly get => Get(7);
        set => Set(7, value);
    }

    public long? CacheCreationInputTokens
    {
        readonly get => Get(8);
        set => Set(8, value);
    }

    public long? Ephemeral5mInputTokens
    {
        readonly get => Get(9);
        set => Set(9, value);
    }

    public long? Ephemeral1hInputTokens
    {
        readonly get => Get(10);
        set => Set(10, value);
    }

    public long? PromptTokenCount
    {
        readonly get => Get(11);
        set => Set(11, value);
    }

    public long? CandidatesTokenCount
    {
        readonly get => Get(12);
        set => Set(12, value);
    }

    public long? ThoughtsTokenCount
    {
        readonly get => Get(13);
        set => Set(13, value);
    }

    public long? CachedContentTokenCount
    {
        readonly get => Get(14);
        set => Set(14, value);
    }

    public long? ToolUsePromptTokenCount
    {
        readonly get => Get(15);
        set => Set(15, value);
    }

    /// <summary>OpenAI <c>prompt_tokens_details.audio_tokens</c>.</summary>
    public long? PromptAudioTokens
    {
        readonly get => Get(16);
        set => Set(16, value);
    }

    /// <summary>OpenAI <c>completion_tokens_details.audio_tokens</c>.</summary>
    public long? CompletionAudioTokens
    {
        readonly get => Get(17);
        set => Set(17, value);
    }

    /// <summary>Gemini: the <c>AUDIO</c> entries of <c>promptTokensDetails</c>, summed.</summary>
    public long? PromptAudioTokenCount
    {
        readonly get => Get(18);
        set => Set(18, value);
    }

    /// <summary>Gemini: the <c>AUDIO</c> entries of <c>cacheTokensDetails</c>, summed.</summary>
    public long? CachedAudioTokenCount
    {
        readonly get => Get(19);
        set => Set(19, value);
    }

    /// <summary>The service tier the provider reports, normalized (<see cref="ServiceTiers.Normalize"/>); <see langword="null"/> for standard.</summary>
    public string? ServiceTier;

    /// <summary>Whether the response carried any usage number at all.</summary>
    public bool Seen;

    /// <summary>
    /// Whether the usage carried Anthropic's <c>iterations</c>: what each step of the request billed (a context
    /// compaction, then the message). The top-level counts then describe the last step only, so the sums are billed.
    /// </summary>
    public bool HasIterations;

    private IterationSums _iterations;

    /// <summary>The counts summed over <c>usage.iterations</c>.</summary>
    public enum IterationCount
    {
        Input,
        Output,
        CacheRead,
        CacheCreation,
        Ephemeral5m,
        Ephemeral1h,
    }

    /// <summary>Starts a new <c>iterations</c> list (a later list, in a later stream event, replaces an earlier one).</summary>
    public void BeginIterations()
    {
        _iterations = default;
        HasIterations = true;
    }

    /// <summary>Adds one step's count.</summary>
    public void AddIteration(IterationCount count, long value)
    {
        if (value > 0)
        {
            _iterations[(int)count] = checked(_iterations[(int)count] + value);
        }
    }

    private readonly long Iteration(IterationCount count) => _iterations[(int)count];

    private readonly long? Get(int index) => (_seen & (1 << index)) != 0 ? _values[index] : null;

    private void Set(int index, long? value)
    {
        if (value is { } v)
        {
            _values[index] = v;
            _seen |= 1 << index;
        }
        else
        {
            _seen &= ~(1 << index);
        }
    }

    [System.Runtime.CompilerServices.InlineArray(20)]
    private struct Counts
    {
        private long _first;
    }

    [System.Runtime.CompilerServices.InlineArray(6)]
    private struct IterationSums
    {
        private long _first;
    }

    /// <summary>
    /// Normalizes to DESIGN.md's semantics: input includes cached reads and writes, output includes reasoning.
    /// Counts a provider reports inconsistently are clamped so parts never exceed wholes; <paramref name="clamped"/> says so.
    /// </summary>
    public readonly TokenUsage Normalize(UsageDialect dialect, out bool clamped)
    {
        long input, output, cached, write, write1h = 0, reasoning, audioIn = 0, audioCached = 0, audioOut = 0;
        switch (dialect)
        {
            case UsageDialect.Anthropic when HasIterations:
                // Compaction and the message are billed separately; the top-level usage holds only the last step.
                cached = Iteration(IterationCount.CacheRead);
                write = Math.Max(Iteration(IterationCount.CacheCreation), Iteration(IterationCount.Ephemeral5m) + Iteration(IterationCount.Ephemeral1h));
                write1h = Iteration(IterationCount.Ephemeral1h);
                input = Iteration(IterationCount.Input) + cached + write;
                output = Iteration(IterationCount.Output);
                reasoning = 0;
                break;
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
                audioIn = PromptAudioTokenCount ?? 0;
                audioCached = CachedAudioTokenCount ?? 0;
                break;
            case UsageDialect.OpenAIResponses:
                input = InputTokens ?? PromptTokens ?? 0;
                output = OutputTokens ?? CompletionTokens ?? 0;
                cached = CachedTokens ?? 0;
                write = CacheWriteTokens ?? 0;
                reasoning = ReasoningTokens ?? 0;
                audioIn = PromptAudioTokens ?? 0;
                audioOut = CompletionAudioTokens ?? 0;
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
                audioIn = PromptAudioTokens ?? 0;
                audioOut = CompletionAudioTokens ?? 0;
                break;
        }

        clamped = false;
        input = Clamp(input, 0, int.MaxValue, ref clamped);
        output = Clamp(output, 0, int.MaxValue, ref clamped);
        cached = Clamp(cached, 0, input, ref clamped);
        write = Clamp(write, 0, input - cached, ref clamped);
        write1h = Clamp(write1h, 0, write, ref clamped);
        reasoning = Clamp(reasoning, 0, output, ref clamped);

        // Audio is a part of input and output. OpenAI does not say how much of its cached input is audio: none is
        // taken to be (its audio models list no cached audio rate apart from the cached input one).
        audioCached = Clamp(audioCached, 0, Math.Min(cached, audioIn), ref clamped);
        audioIn = Clamp(audioIn, 0, audioCached + (input - cached - write), ref clamped);
        audioOut = Clamp(audioOut, 0, output, ref clamped);
        return new TokenUsage((int)input, (int)output, (int)cached, (int)write, (int)reasoning)
        {
            CacheWrite1hTokens = (int)write1h,
            AudioInputTokens = (int)audioIn,
            CachedAudioInputTokens = (int)audioCached,
            AudioOutputTokens = (int)audioOut,
            ServiceTier = ServiceTier,
        };
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
