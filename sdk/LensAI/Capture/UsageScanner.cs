using System.Buffers;
using System.Text.Json;

namespace LensAI.Capture;

/// <summary>
/// Reads the few fields LensAI needs (response id, model, usage counts, end-of-stream markers) out of provider JSON
/// without materializing the document: a forward-only pass with <see cref="Utf8JsonReader"/> that tracks which
/// object it is inside. Works on whole documents (one SSE <c>data:</c> payload) and incrementally on a body that
/// arrives in chunks (only an unfinished token is kept between chunks). Only strings it keeps are allocated.
/// </summary>
/// <remarks>
/// Usage is read only where providers put it: <c>usage</c> at the top level or inside <c>response</c> (OpenAI Responses
/// stream events) or <c>message</c> (Anthropic <c>message_start</c>), and <c>usageMetadata</c> at the top level of each
/// Gemini chunk. A <c>usage</c> key nested anywhere else (inside tool arguments, say) is ignored.
/// </remarks>
internal sealed partial class UsageScanner : IDisposable
{
    private const int MaxDepth = 32;

    private enum Frame : byte
    {
        Other,
        Top,
        RootArray,
        Response,
        Message,
        Usage,
        InputDetails,
        OutputDetails,
        CacheCreation,
        UsageMetadata,
        Candidates,
        Candidate,
        Iterations,
        Iteration,
        IterationCacheCreation,
        PromptModalities,
        PromptModality,
        CacheModalities,
        CacheModality,
    }

    private enum Name : byte
    {
        None,
        ServiceTier,
        Id,
        Model,
        Type,
        Usage,
        Response,
        Message,
        UsageMetadata,
        ModelVersion,
        ResponseId,
        Candidates,
        FinishReason,
        PromptTokens,
        CompletionTokens,
        InputTokens,
        OutputTokens,
        CacheReadInputTokens,
        CacheCreationInputTokens,
        InputDetails,
        OutputDetails,
        CacheCreation,
        CachedTokens,
        CacheWriteTokens,
        ReasoningTokens,
        Ephemeral5m,
        Ephemeral1h,
        PromptTokenCount,
        CandidatesTokenCount,
        ThoughtsTokenCount,
        CachedContentTokenCount,
        ToolUsePromptTokenCount,
        Iterations,
        IterationInputTokens,
        IterationOutputTokens,
        IterationCacheReadInputTokens,
        IterationCacheCreationInputTokens,
        IterationEphemeral5m,
        IterationEphemeral1h,
        PromptAudioTokens,
        CompletionAudioTokens,
        PromptTokensDetails,
        CacheTokensDetails,
        Modality,
        TokenCount,
    }

    private Frames _frames;
    private int _depth;
    private Name _pending;
    private JsonReaderState _state;
    private byte[]? _carry;
    private int _carryLength;
    private bool _modalityIsAudio;
    private long _modalityCount;

    public RawUsage Usage;

    public string? Model { get; private set; }

    public string? ResponseId { get; private set; }

    /// <summary>The provider signalled the end of the response (OpenAI <c>[DONE]</c>, <c>response.completed</c>, Anthropic <c>message_stop</c>, a Gemini <c>finishReason</c>).</summary>
    public bool SawEnd { get; set; }

    /// <summary>The stream carried an error event (Anthropic <c>error</c>, OpenAI <c>response.failed</c>).</summary>
    public bool SawError { get; private set; }

    /// <summary>The input was not JSON the scanner could follow; scanning stopped.</summary>
    public bool Failed { get; private set; }

    /// <summary>
    /// Scans one complete JSON document (a buffered body, an SSE <c>data:</c> payload). Once the response id and
    /// model are known, the first large top-level value (<c>choices</c>, <c>content</c>, <c>output</c>) is not read
    /// through: usage sits at the end of OpenAI and Anthropic documents, so the scan jumps to the last top-level
    /// <c>"usage"</c> member and reads from there (see <see cref="TryScanTail"/>), and reads the whole document only
    /// when that cannot be proven to be the top-level member.
    /// </summary>
    public void ScanDocument(ReadOnlySpan<byte> json)
    {
        if (Failed)
        {
            return;
        }

        _depth = 0;
        _pending = Name.None;
        var reader = new Utf8JsonReader(json, isFinalBlock: true, state: default);
        Run(ref reader, json);
    }

    /// <summary>
    /// Whether an SSE event can be passed over without parsing: its id and model are already known, and it carries
    /// none of what the scanner still looks for (usage, an end or error event, a Gemini finish reason). Most events
    /// of a stream are content deltas: a few vectorized searches instead of a parse. OpenAI's chat stream with
    /// <c>include_usage</c> puts <c>"usage":null</c> in every delta: that is no usage either.
    /// </summary>
    public bool CanSkip(ReadOnlySpan<byte> data)
        => Model is not null && ResponseId is not null
           && !MentionsUsage(data)
           && data.IndexOf("_stop\""u8) < 0
           && data.IndexOf("error"u8) < 0
           && data.IndexOf("\"response.completed\""u8) < 0
           && data.IndexOf("\"response.incomplete\""u8) < 0
           && data.IndexOf("\"response.failed\""u8) < 0
           && data.IndexOf("finishReason"u8) < 0;

    /// <summary>Whether <c>usage</c> appears anywhere other than as <c>"usage":null</c>.</summary>
    private static bool MentionsUsage(ReadOnlySpan<byte> data)
    {
        while (true)
        {
            var at = data.IndexOf("usage"u8);
            if (at < 0)
            {
                return false;
            }

            if (at == 0 || data[at - 1] != (byte)'"' || !data[(at + 5)..].StartsWith("\":null"u8))
            {
                return true;
            }

            data = data[(at + 5)..];
        }
    }

    /// <summary>Scans the next chunk of a JSON body; call once more with <paramref name="final"/> at the end.</summary>
    public void ScanChunk(ReadOnlySpan<byte> chunk, bool final)
    {
        if (Failed)
        {
            return;
        }

        if (_carryLength == 0)
        {
            var reader = new Utf8JsonReader(chunk, final, _state);
            if (!Run(ref reader, default))
            {
                return;
            }

            _state = reader.CurrentState;
            Keep(chunk[(int)reader.BytesConsumed..]);
            return;
        }

        Append(chunk);
        var carried = new Utf8JsonReader(_carry.AsSpan(0, _carryLength), final, _state);
        if (!Run(ref carried, default))
        {
            return;
        }

        _state = carried.CurrentState;
        var consumed = (int)carried.BytesConsumed;
        _carry.AsSpan(consumed, _carryLength - consumed).CopyTo(_carry);
        _carryLength -= consumed;
    }

    public void Dispose()
    {
        if (_carry is not null)
        {
            ArrayPool<byte>.Shared.Return(_carry);
            _carry = null;
        }
    }

    private void Keep(ReadOnlySpan<byte> rest)
    {
        _carryLength = 0;
        if (!rest.IsEmpty)
        {
            Append(rest);
        }
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        var needed = _carryLength + bytes.Length;
        if (_carry is null || _carry.Length < needed)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, 4096));
            if (_carry is not null)
            {
                _carry.AsSpan(0, _carryLength).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(_carry);
            }

            _carry = bigger;
        }

        bytes.CopyTo(_carry.AsSpan(_carryLength));
        _carryLength = needed;
    }

    /// <summary>Reads to the end of what <paramref name="reader"/> has; <paramref name="document"/> is the whole document when it reads one (the tail jump needs it), empty for chunks.</summary>
    private bool Run(ref Utf8JsonReader reader, ReadOnlySpan<byte> document)
    {
        try
        {
            while (reader.Read())
            {
                if (!OnToken(ref reader))
                {
                    continue;
                }

                if (!document.IsEmpty && Model is not null && ResponseId is not null && TryScanTail(document, (int)reader.TokenStartIndex))
                {
                    _depth = 0;
                    return true; // usage read from the tail: the large value before it is never read
                }

                SkipOrPush(ref reader);
            }

            return true;
        }
        catch (JsonException)
        {
            Failed = true;
            Dispose();
            return false;
        }
    }

    /// <summary>
    /// Reads the document from its last <c>"usage"</c> member on, as if that member opened the top-level object:
    /// <c>{</c> + the rest of the document. That parses as exactly one object (nothing left over) only when the member
    /// belongs to the object that closes at the end of the document, the top level — a <c>"usage"</c> nested in a
    /// message or a tool call leaves closing brackets over and fails. On failure the scanner's state is restored and
    /// the caller reads on as usual.
    /// </summary>
    private bool TryScanTail(ReadOnlySpan<byte> document, int from)
    {
        var region = document[from..];
        var at = region.LastIndexOf("\"usage\""u8);
        while (at > 0 && IsEscaped(region, at))
        {
            at = region[..at].LastIndexOf("\"usage\""u8);
        }

        if (at <= 0)
        {
            return false;
        }

        var rest = region[at..];
        var usage = Usage;
        var (model, id, sawEnd, sawError) = (Model, ResponseId, SawEnd, SawError);

        // OpenAI's Responses object puts service_tier between its output and its usage: start the tail there when
        // that member, too, is proven top-level (the same proof as for usage: the members close the document).
        // A nested one (a tool's schema) fails the proof, so a few earlier occurrences are tried too.
        var tier = at;
        for (var tries = 0; tries < 4; tries++)
        {
            tier = region[..tier].LastIndexOf("\"service_tier\""u8);
            if (tier <= 0)
            {
                break;
            }

            if (IsEscaped(region, tier))
            {
                continue;
            }

            if (TryReadTail(region[tier..]))
            {
                return true;
            }

            (Usage, Model, ResponseId, SawEnd, SawError) = (usage, model, id, sawEnd, sawError);
        }

        if (TryReadTail(rest))
        {
            return true;
        }

        (Usage, Model, ResponseId, SawEnd, SawError) = (usage, model, id, sawEnd, sawError);
        byte[]? rented = null;
        var wrapped = rest.Length < 1024 ? stackalloc byte[rest.Length + 1] : (rented = ArrayPool<byte>.Shared.Rent(rest.Length + 1)).AsSpan(0, rest.Length + 1);
        wrapped[0] = (byte)'{';
        rest.CopyTo(wrapped[1..]);

        _depth = 0;
        _pending = Name.None;
        var ok = false;
        try
        {
            var reader = new Utf8JsonReader(wrapped, isFinalBlock: true, state: default);
            while (reader.Read())
            {
                if (OnToken(ref reader))
                {
                    SkipOrPush(ref reader);
                }
            }

            ok = _depth == 0;
        }
        catch (JsonException)
        {
            // Not the top-level member: restore and read the document as usual.
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        if (!ok)
        {
            (Usage, Model, ResponseId, SawEnd, SawError) = (usage, model, id, sawEnd, sawError);
            _depth = 1;
            _pending = Name.None;
        }

        return ok;
    }

    /// <summary>Whether the quote at <paramref name="index"/> is escaped (an odd run of backslashes before it).</summary>
    private static bool IsEscaped(ReadOnlySpan<byte> text, int index)
    {
        var backslashes = 0;
        for (var i = index - 1; i >= 0 && text[i] == (byte)'\\'; i--)
        {
            backslashes++;
        }

        return (backslashes & 1) == 1;
    }

    private Frame Current => _depth == 0 ? Frame.Other : _frames[_depth - 1];

    private void Push(Frame frame)
    {
        if (_depth < MaxDepth)
        {
            _frames[_depth] = frame;
        }

        _depth++;
        _pending = Name.None;
    }

    /// <summary>Skips a value nothing is read from (message content, tool calls, embeddings), or follows it when it is not all here yet.</summary>
    private void SkipOrPush(ref Utf8JsonReader reader)
    {
        if (reader.TrySkip())
        {
            _pending = Name.None;
        }
        else
        {
            Push(Frame.Other);
        }
    }

    /// <summary>Handles one token; returns <see langword="true"/> when it opens a value nothing is read from (before skipping it).</summary>
    private bool OnToken(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
            case JsonTokenType.StartArray:
                var isObject = reader.TokenType == JsonTokenType.StartObject;
                var frame = _depth == 0
                    ? (isObject ? Frame.Top : Frame.RootArray)
                    : ChildFrame(_depth > MaxDepth ? Frame.Other : Current, _pending, isObject);
                if (frame == Frame.Iterations)
                {
                    Usage.BeginIterations(); // each list is complete: a later one replaces an earlier one
                }
                else if (frame == Frame.PromptModalities)
                {
                    Usage.PromptAudioTokenCount = 0; // each chunk's list is the whole count so far
                }
                else if (frame == Frame.CacheModalities)
                {
                    Usage.CachedAudioTokenCount = 0;
                }
                else if (frame is Frame.PromptModality or Frame.CacheModality)
                {
                    (_modalityIsAudio, _modalityCount) = (false, 0);
                }

                if (frame == Frame.Other)
                {
                    if (_depth == 1 && Current == Frame.Top)
                    {
                        return true; // the caller may jump past it to the usage at the end of the document
                    }

                    if (reader.TrySkip())
                    {
                        // Nothing LensAI reads lives in here (message content, tool calls, embeddings): skip it whole.
                        _pending = Name.None;
                        return false;
                    }
                }

                Push(frame);
                return false;
            case JsonTokenType.EndObject:
            case JsonTokenType.EndArray:
                if (_depth <= MaxDepth && Current is Frame.PromptModality or Frame.CacheModality)
                {
                    EndModality(Current);
                }

                _depth--;
                _pending = Name.None;
                return false;
            case JsonTokenType.PropertyName:
                _pending = _depth > MaxDepth ? Name.None : Recognize(ref reader, Current);
                return false;
            case JsonTokenType.Number:
                if (_pending != Name.None && reader.TryGetInt64(out var number))
                {
                    OnNumber(_pending, number);
                }

                break;
            case JsonTokenType.String:
                if (_pending != Name.None)
                {
                    OnString(ref reader, _pending);
                }

                break;
        }

        _pending = Name.None;
        return false;
    }

    private static Frame ChildFrame(Frame parent, Name name, bool isObject)
    {
        if (parent == Frame.RootArray)
        {
            return isObject ? Frame.Top : Frame.Other;
        }

        if (parent == Frame.Candidates)
        {
            return isObject ? Frame.Candidate : Frame.Other;
        }

        if (parent == Frame.Iterations)
        {
            return isObject ? Frame.Iteration : Frame.Other;
        }

        if (parent is Frame.PromptModalities or Frame.CacheModalities)
        {
            return !isObject ? Frame.Other : parent == Frame.PromptModalities ? Frame.PromptModality : Frame.CacheModality;
        }

        if (!isObject)
        {
            return (parent, name) switch
            {
                (Frame.Top, Name.Candidates) => Frame.Candidates,
                (Frame.Usage, Name.Iterations) => Frame.Iterations, // Anthropic: what each step (compaction, message) billed
                (Frame.UsageMetadata, Name.PromptTokensDetails) => Frame.PromptModalities, // Gemini: tokens per modality
                (Frame.UsageMetadata, Name.CacheTokensDetails) => Frame.CacheModalities,
                _ => Frame.Other,
            };
        }

        return (parent, name) switch
        {
            (Frame.Top, Name.Usage) => Frame.Usage,
            (Frame.Top, Name.Response) => Frame.Response,
            (Frame.Top, Name.Message) => Frame.Message,
            (Frame.Top, Name.UsageMetadata) => Frame.UsageMetadata,
            (Frame.Response or Frame.Message, Name.Usage) => Frame.Usage,
            (Frame.Usage, Name.InputDetails) => Frame.InputDetails,
            (Frame.Usage, Name.OutputDetails) => Frame.OutputDetails,
            (Frame.Usage, Name.CacheCreation) => Frame.CacheCreation,
            (Frame.Iteration, Name.CacheCreation) => Frame.IterationCacheCreation,
            _ => Frame.Other,
        };
    }

    private static Name Recognize(ref Utf8JsonReader reader, Frame frame)
    {
        if (frame == Frame.Other)
        {
            return Name.None;
        }

        if (!reader.ValueIsEscaped && !reader.HasValueSequence)
        {
            return Recognize(reader.ValueSpan, frame);
        }

        // An escaped (or split) name: unescape it first; every name LensAI reads is short.
        Span<byte> buffer = stackalloc byte[64];
        var length = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
        return length <= buffer.Length ? Recognize(buffer[..reader.CopyString(buffer)], frame) : Name.None;
    }

    private static Name Recognize(ReadOnlySpan<byte> name, Frame frame)
    {
        if (frame == Frame.Other)
        {
            return Name.None;
        }

        switch (frame)
        {
            case Frame.Top:
                if (name.SequenceEqual("usage"u8)) return Name.Usage;
                if (name.SequenceEqual("model"u8)) return Name.Model;
                if (name.SequenceEqual("id"u8)) return Name.Id;
                if (name.SequenceEqual("type"u8)) return Name.Type;
                if (name.SequenceEqual("usageMetadata"u8)) return Name.UsageMetadata;
                if (name.SequenceEqual("candidates"u8)) return Name.Candidates;
                if (name.SequenceEqual("modelVersion"u8)) return Name.ModelVersion;
                if (name.SequenceEqual("responseId"u8)) return Name.ResponseId;
                if (name.SequenceEqual("response"u8)) return Name.Response;
                if (name.SequenceEqual("message"u8)) return Name.Message;
                if (name.SequenceEqual("service_tier"u8)) return Name.ServiceTier; // OpenAI chat (and every chunk)
                return Name.None;
            case Frame.Response:
            case Frame.Message:
                if (name.SequenceEqual("service_tier"u8)) return Name.ServiceTier; // OpenAI Responses
                if (name.SequenceEqual("usage"u8)) return Name.Usage;
                if (name.SequenceEqual("model"u8)) return Name.Model;
                if (name.SequenceEqual("id"u8)) return Name.Id;
                return Name.None;
            case Frame.Usage:
                if (name.SequenceEqual("prompt_tokens"u8)) return Name.PromptTokens;
                if (name.SequenceEqual("completion_tokens"u8)) return Name.CompletionTokens;
                if (name.SequenceEqual("input_tokens"u8)) return Name.InputTokens;
                if (name.SequenceEqual("output_tokens"u8)) return Name.OutputTokens;
                if (name.SequenceEqual("cache_read_input_tokens"u8)) return Name.CacheReadInputTokens;
                if (name.SequenceEqual("cache_creation_input_tokens"u8)) return Name.CacheCreationInputTokens;
                if (name.SequenceEqual("prompt_tokens_details"u8) || name.SequenceEqual("input_tokens_details"u8)) return Name.InputDetails;
                if (name.SequenceEqual("completion_tokens_details"u8) || name.SequenceEqual("output_tokens_details"u8)) return Name.OutputDetails;
                if (name.SequenceEqual("cache_creation"u8)) return Name.CacheCreation;
                if (name.SequenceEqual("iterations"u8)) return Name.Iterations;
                if (name.SequenceEqual("service_tier"u8)) return Name.ServiceTier; // Anthropic
                return Name.None;
            case Frame.Iteration:
                if (name.SequenceEqual("input_tokens"u8)) return Name.IterationInputTokens;
                if (name.SequenceEqual("output_tokens"u8)) return Name.IterationOutputTokens;
                if (name.SequenceEqual("cache_read_input_tokens"u8)) return Name.IterationCacheReadInputTokens;
                if (name.SequenceEqual("cache_creation_input_tokens"u8)) return Name.IterationCacheCreationInputTokens;
                if (name.SequenceEqual("cache_creation"u8)) return Name.CacheCreation;
                return Name.None;
            case Frame.IterationCacheCreation:
                if (name.SequenceEqual("ephemeral_5m_input_tokens"u8)) return Name.IterationEphemeral5m;
                if (name.SequenceEqual("ephemeral_1h_input_tokens"u8)) return Name.IterationEphemeral1h;
                return Name.None;
            case Frame.InputDetails:
                if (name.SequenceEqual("cached_tokens"u8)) return Name.CachedTokens;
                if (name.SequenceEqual("cache_write_tokens"u8)) return Name.CacheWriteTokens;
                if (name.SequenceEqual("audio_tokens"u8)) return Name.PromptAudioTokens;
                return Name.None;
            case Frame.OutputDetails:
                if (name.SequenceEqual("reasoning_tokens"u8)) return Name.ReasoningTokens;
                if (name.SequenceEqual("audio_tokens"u8)) return Name.CompletionAudioTokens;
                return Name.None;
            case Frame.PromptModality:
            case Frame.CacheModality:
                if (name.SequenceEqual("modality"u8)) return Name.Modality;
                if (name.SequenceEqual("tokenCount"u8)) return Name.TokenCount;
                return Name.None;
            case Frame.CacheCreation:
                if (name.SequenceEqual("ephemeral_5m_input_tokens"u8)) return Name.Ephemeral5m;
                if (name.SequenceEqual("ephemeral_1h_input_tokens"u8)) return Name.Ephemeral1h;
                return Name.None;
            case Frame.UsageMetadata:
                if (name.SequenceEqual("promptTokenCount"u8)) return Name.PromptTokenCount;
                if (name.SequenceEqual("candidatesTokenCount"u8)) return Name.CandidatesTokenCount;
                if (name.SequenceEqual("thoughtsTokenCount"u8)) return Name.ThoughtsTokenCount;
                if (name.SequenceEqual("cachedContentTokenCount"u8)) return Name.CachedContentTokenCount;
                if (name.SequenceEqual("toolUsePromptTokenCount"u8)) return Name.ToolUsePromptTokenCount;
                if (name.SequenceEqual("promptTokensDetails"u8)) return Name.PromptTokensDetails;
                if (name.SequenceEqual("cacheTokensDetails"u8)) return Name.CacheTokensDetails;
                if (name.SequenceEqual("serviceTier"u8) || name.SequenceEqual("trafficType"u8)) return Name.ServiceTier; // Gemini API, Vertex AI
                return Name.None;
            case Frame.Candidate:
                return name.SequenceEqual("finishReason"u8) ? Name.FinishReason : Name.None;
            default:
                return Name.None;
        }
    }

    /// <summary>Compares the current name or string with a UTF-8 literal: a length check first, escapes honoured.</summary>
    private static bool Is(ref Utf8JsonReader reader, ReadOnlySpan<byte> literal)
    {
        if (reader.ValueIsEscaped || reader.HasValueSequence)
        {
            return reader.ValueTextEquals(literal);
        }

        var span = reader.ValueSpan;
        return span.Length == literal.Length && span.SequenceEqual(literal);
    }

    private void OnNumber(Name name, long value)
    {
        Usage.Seen = true;
        switch (name)
        {
            case Name.PromptTokens: Usage.PromptTokens = value; break;
            case Name.CompletionTokens: Usage.CompletionTokens = value; break;
            case Name.InputTokens: Usage.InputTokens = value; break;
            case Name.OutputTokens: Usage.OutputTokens = value; break;
            case Name.CacheReadInputTokens: Usage.CacheReadInputTokens = value; break;
            case Name.CacheCreationInputTokens: Usage.CacheCreationInputTokens = value; break;
            case Name.CachedTokens: Usage.CachedTokens = value; break;
            case Name.CacheWriteTokens: Usage.CacheWriteTokens = value; break;
            case Name.ReasoningTokens: Usage.ReasoningTokens = value; break;
            case Name.Ephemeral5m: Usage.Ephemeral5mInputTokens = value; break;
            case Name.Ephemeral1h: Usage.Ephemeral1hInputTokens = value; break;
            case Name.PromptTokenCount: Usage.PromptTokenCount = value; break;
            case Name.CandidatesTokenCount: Usage.CandidatesTokenCount = value; break;
            case Name.ThoughtsTokenCount: Usage.ThoughtsTokenCount = value; break;
            case Name.CachedContentTokenCount: Usage.CachedContentTokenCount = value; break;
            case Name.ToolUsePromptTokenCount: Usage.ToolUsePromptTokenCount = value; break;
            case Name.IterationInputTokens: Usage.AddIteration(RawUsage.IterationCount.Input, value); break;
            case Name.IterationOutputTokens: Usage.AddIteration(RawUsage.IterationCount.Output, value); break;
            case Name.IterationCacheReadInputTokens: Usage.AddIteration(RawUsage.IterationCount.CacheRead, value); break;
            case Name.IterationCacheCreationInputTokens: Usage.AddIteration(RawUsage.IterationCount.CacheCreation, value); break;
            case Name.IterationEphemeral5m: Usage.AddIteration(RawUsage.IterationCount.Ephemeral5m, value); break;
            case Name.IterationEphemeral1h: Usage.AddIteration(RawUsage.IterationCount.Ephemeral1h, value); break;
            case Name.PromptAudioTokens: Usage.PromptAudioTokens = value; break;
            case Name.CompletionAudioTokens: Usage.CompletionAudioTokens = value; break;
            case Name.TokenCount: _modalityCount = value; break;
            default: break;
        }
    }

    /// <summary>A string value read in place (no escapes in it).</summary>
    /// <summary>A tier reported as standard never overrides one reported otherwise (Vertex AI sends both fields).</summary>
    private void OnServiceTier(ReadOnlySpan<byte> value)
    {
        if (ServiceTiers.Normalize(value) is { } tier)
        {
            Usage.ServiceTier = tier;
        }
    }

    private void OnString(ReadOnlySpan<byte> value, Name name)
    {
        switch (name)
        {
            case Name.Model or Name.ModelVersion when Model is null && value.Length > 0:
                Model = ModelNames.Get(value);
                break;
            case Name.Id or Name.ResponseId when ResponseId is null && value.Length > 0:
                ResponseId = System.Text.Encoding.UTF8.GetString(value);
                break;
            case Name.Type:
                if (value.SequenceEqual("message_stop"u8) || value.SequenceEqual("response.completed"u8) || value.SequenceEqual("response.incomplete"u8))
                {
                    SawEnd = true;
                }
                else if (value.SequenceEqual("error"u8) || value.SequenceEqual("response.failed"u8))
                {
                    SawEnd = true;
                    SawError = true;
                }

                break;
            case Name.FinishReason:
                SawEnd = true;
                break;
            case Name.Modality:
                _modalityIsAudio = value.SequenceEqual("AUDIO"u8);
                break;
            case Name.ServiceTier:
                OnServiceTier(value);
                break;
            default:
                break;
        }
    }

    private void OnString(ref Utf8JsonReader reader, Name name)
    {
        switch (name)
        {
            case Name.Model or Name.ModelVersion when Model is null && reader.ValueSpan.Length > 0:
                Model = reader.ValueIsEscaped || reader.HasValueSequence ? reader.GetString() : ModelNames.Get(reader.ValueSpan);
                break;
            case Name.Id or Name.ResponseId when ResponseId is null && reader.ValueSpan.Length > 0:
                ResponseId = reader.GetString();
                break;
            case Name.Type:
                if (Is(ref reader, "message_stop"u8) || Is(ref reader, "response.completed"u8) || Is(ref reader, "response.incomplete"u8))
                {
                    SawEnd = true;
                }
                else if (Is(ref reader, "error"u8) || Is(ref reader, "response.failed"u8))
                {
                    SawEnd = true;
                    SawError = true;
                }

                break;
            case Name.FinishReason:
                SawEnd = true;
                break;
            case Name.Modality:
                _modalityIsAudio = Is(ref reader, "AUDIO"u8);
                break;
            case Name.ServiceTier:
                Span<byte> tier = stackalloc byte[64];
                var length = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
                if (length <= tier.Length)
                {
                    OnServiceTier(tier[..reader.CopyString(tier)]);
                }

                break;
            default:
                break;
        }
    }

    /// <summary>One Gemini <c>{"modality","tokenCount"}</c> entry ended: an audio one adds to the audio count.</summary>
    private void EndModality(Frame frame)
    {
        if (!_modalityIsAudio || _modalityCount <= 0)
        {
            return;
        }

        if (frame == Frame.PromptModality)
        {
            Usage.PromptAudioTokenCount = (Usage.PromptAudioTokenCount ?? 0) + _modalityCount;
        }
        else
        {
            Usage.CachedAudioTokenCount = (Usage.CachedAudioTokenCount ?? 0) + _modalityCount;
        }

        (_modalityIsAudio, _modalityCount) = (false, 0);
    }

    [System.Runtime.CompilerServices.InlineArray(MaxDepth)]
    private struct Frames
    {
        private Frame _first;
    }
}
