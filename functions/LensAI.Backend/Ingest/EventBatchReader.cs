using System.Globalization;
using System.Text;
using System.Text.Json;

namespace LensAI.Backend.Ingest;

/// <summary>
/// Reads <c>{"events":[…]}</c> in one forward pass with <see cref="Utf8JsonReader"/>, validating every field of every
/// event and naming each problem with a JSON pointer (<c>/events/3/tokens_in</c>). Unknown fields are ignored;
/// <c>project_id</c> from the body is ignored (the key decides). Malformed JSON refuses the whole batch. Structure is
/// checked before items (a metadata object past its entry limit is one error, its entries never read one by one), and
/// the errors of one event are capped at <see cref="MaxErrorsPerEvent"/> with a count of the rest, so the work and the
/// answer stay proportional to the limits, whatever the body.
/// </summary>
internal static class EventBatchReader
{
    /// <summary>The most errors kept for one event; the rest are counted in <see cref="RejectedEvent.MoreErrors"/>.</summary>
    public const int MaxErrorsPerEvent = 10;

    public static BatchReadResult Read(ReadOnlySpan<byte> json, IngestLimits limits, DateTimeOffset now)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = limits.MaxJsonDepth, CommentHandling = JsonCommentHandling.Disallow });
        try
        {
            return ReadBatch(ref reader, limits, now);
        }
        catch (JsonException ex)
        {
            throw new BatchFormatException($"The body is not valid JSON: {Describe(ex)}");
        }
        catch (InvalidOperationException)
        {
            // Utf8JsonReader refuses to transcode invalid UTF-8 (e.g. in a property name).
            throw new BatchFormatException("The body contains invalid UTF-8.");
        }
    }

    private static string Describe(JsonException ex)
        => ex.LineNumber is { } line ? $"{ex.Message.Split('.')[0]} (line {line + 1}, byte {ex.BytePositionInLine + 1})." : ex.Message;

    private static BatchReadResult ReadBatch(ref Utf8JsonReader reader, IngestLimits limits, DateTimeOffset now)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new BatchFormatException("The body must be a JSON object: {\"events\":[…]}.");
        }

        List<UsageEvent>? accepted = null;
        List<RejectedEvent>? rejected = null;
        var sawEvents = false;
        var total = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (!reader.ValueTextEquals("events"u8))
            {
                reader.Read();
                reader.Skip();
                continue;
            }

            sawEvents = true;
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartArray)
            {
                throw new BatchFormatException("\"events\" must be an array.");
            }

            accepted = [];
            rejected = [];
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (total == limits.MaxEventsPerBatch)
                {
                    throw new BatchFormatException($"A batch holds at most {limits.MaxEventsPerBatch} events; split it.", 413);
                }

                var e = ReadEvent(ref reader, total, limits, now, out var errors, out var more);
                if (e is not null)
                {
                    accepted.Add(e);
                }
                else
                {
                    rejected.Add(new RejectedEvent(total, errors, more));
                }

                total++;
            }
        }

        if (!sawEvents)
        {
            throw new BatchFormatException("The body has no \"events\" array.");
        }

        if (total == 0)
        {
            throw new BatchFormatException("\"events\" is empty: send at least one event.");
        }

        return new BatchReadResult(accepted!, rejected!, total);
    }

    /// <summary>
    /// The fields this reader parses, named after their <see cref="UsageEvent"/> properties: the contract's table
    /// (<see cref="UsageEventFields.All"/>) is mapped onto them by <see cref="UsageEventField.PropertyName"/>, so a field
    /// of the table without a case here is ignored like an unknown one (and the reader's tests, which go through the
    /// table, fail).
    /// </summary>
    private enum Field
    {
        Unknown,
        EventId,
        Timestamp,
        ProjectId,
        RequestId,
        UserId,
        Route,
        Provider,
        Model,
        Operation,
        Stream,
        TokensIn,
        TokensOut,
        TokensCachedIn,
        TokensCacheWrite,
        TokensCacheWrite1h,
        TokensReasoning,
        TokensAudioIn,
        TokensAudioCachedIn,
        TokensAudioOut,
        CostUsd,
        PriceVersion,
        ServiceTier,
        UsageEstimated,
        LatencyMs,
        TtftMs,
        Status,
        HttpStatus,
        Metadata,
        Sdk,
    }

    /// <summary>The contract's fields, in table order: UTF-8 name, what this reader calls the field, name as text.</summary>
    private static readonly (byte[] Name, Field Field, string Text)[] s_fields = [.. UsageEventFields.All.Select(f =>
        (Encoding.UTF8.GetBytes(f.Name), Enum.TryParse<Field>(f.PropertyName, out var id) ? id : Field.Unknown, f.Name))];

    /// <summary>The wire name of each <see cref="Field"/>, by its value.</summary>
    private static readonly string[] s_names = NamesByField();

    /// <summary>A bit per required field (by its <see cref="Field"/> value).</summary>
    private static readonly ulong s_required = UsageEventFields.All.Where(f => f.IsRequired).Aggregate(0UL, (mask, f) => mask | Bit(Identify(f.Name)));

    private static string[] NamesByField()
    {
        var names = new string[Enum.GetValues<Field>().Length];
        foreach (var (_, field, text) in s_fields)
        {
            names[(int)field] = text;
        }

        return names;
    }

    /// <summary>The field's bit in a presence mask; none for <see cref="Field.Unknown"/>, which never satisfies a requirement.</summary>
    private static ulong Bit(Field field) => field == Field.Unknown ? 0 : 1UL << (int)field;

    private static Field Identify(string name)
    {
        foreach (var (_, field, text) in s_fields)
        {
            if (text == name)
            {
                return field;
            }
        }

        return Field.Unknown;
    }

    private static Field Identify(ref Utf8JsonReader reader)
    {
        if (reader.ValueIsEscaped || reader.HasValueSequence)
        {
            foreach (var (name, field, _) in s_fields)
            {
                if (reader.ValueTextEquals(name))
                {
                    return field;
                }
            }

            return Field.Unknown;
        }

        var span = reader.ValueSpan;
        foreach (var (name, field, _) in s_fields)
        {
            if (span.Length == name.Length && span.SequenceEqual(name))
            {
                return field;
            }
        }

        return Field.Unknown;
    }

    private static string NameOf(Field field) => s_names[(int)field];

    /// <summary>The problems of one event, with JSON pointers built only when there is a problem.</summary>
    private struct Problems(int index)
    {
        public List<FieldError>? List;

        /// <summary>Errors past <see cref="MaxErrorsPerEvent"/>: counted, not kept.</summary>
        public int More;

        public readonly bool Any => List is { Count: > 0 };

        public void Add(Field field, string message) => Add(NameOf(field), message);

        public void Add(string relative, string message)
        {
            if (List is { Count: MaxErrorsPerEvent })
            {
                More++;
                return;
            }

            (List ??= []).Add(new FieldError("/events/" + index.ToString(CultureInfo.InvariantCulture) + (relative.Length == 0 ? "" : "/" + relative), message));
        }

        public readonly bool Has(Field field)
        {
            if (List is null)
            {
                return false;
            }

            var suffix = "/" + NameOf(field);
            foreach (var e in List)
            {
                if (e.Pointer.EndsWith(suffix, StringComparison.Ordinal))
                {
                    return true;
                }
            }

            return false;
        }
    }

    private static bool? Boolean(ref Utf8JsonReader reader, Field field, ref Problems errors)
    {
        if (reader.TokenType is JsonTokenType.True or JsonTokenType.False)
        {
            return reader.GetBoolean();
        }

        errors.Add(field, "must be true or false.");
        reader.Skip();
        return null;
    }

    private static UsageEvent? ReadEvent(ref Utf8JsonReader reader, int index, IngestLimits limits, DateTimeOffset now, out IReadOnlyList<FieldError> errorList, out int moreErrors)
    {
        var errors = new Problems(index);
        errorList = [];
        moreErrors = 0;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            errors.Add("", "An event must be a JSON object.");
            reader.Skip();
            errorList = errors.List!;
            return null;
        }

        string? eventId = null, requestId = null, userId = null, route = null, provider = null, model = null, operation = null, status = null, priceVersion = null, serviceTier = null, sdk = null;
        DateTimeOffset? ts = null;
        bool? stream = null;
        var estimated = false;
        int tokensIn = 0, tokensOut = 0, cached = 0, write = 0, write1h = 0, reasoning = 0, audioIn = 0, audioCached = 0, audioOut = 0;
        int? latency = null, ttft = null, httpStatus = null;
        decimal? cost = null;
        Dictionary<string, string>? metadata = null;
        var seen = 0UL;

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var field = Identify(ref reader);
            seen |= Bit(field);
            reader.Read();
            switch (field)
            {
                case Field.EventId: eventId = EventId(ref reader, limits, ref errors); break;
                case Field.Timestamp: ts = Timestamp(ref reader, now, limits, ref errors); break;
                case Field.ProjectId: reader.Skip(); break; // never trusted: the API key decides
                case Field.RequestId: requestId = OptionalString(ref reader, field, limits.MaxIdLength, ref errors); break;
                case Field.UserId: userId = OptionalString(ref reader, field, limits.MaxUserIdLength, ref errors); break;
                case Field.Route: route = OptionalString(ref reader, field, limits.MaxRouteLength, ref errors); break;
                case Field.Provider: provider = RequiredString(ref reader, field, limits.MaxIdLength, ref errors); break;
                case Field.Model: model = RequiredString(ref reader, field, limits.MaxIdLength, ref errors); break;
                case Field.Operation: operation = RequiredString(ref reader, field, limits.MaxIdLength, ref errors); break;
                case Field.Stream: stream = Boolean(ref reader, field, ref errors); break;
                case Field.UsageEstimated: estimated = Boolean(ref reader, field, ref errors) ?? false; break;
                case Field.TokensIn: tokensIn = Tokens(ref reader, field, limits, ref errors); break;
                case Field.TokensOut: tokensOut = Tokens(ref reader, field, limits, ref errors); break;
                case Field.TokensCachedIn: cached = Tokens(ref reader, field, limits, ref errors); break;
                case Field.TokensCacheWrite: write = Tokens(ref reader, field, limits, ref errors); break;
                case Field.TokensCacheWrite1h: write1h = Tokens(ref reader, field, limits, ref errors); break;
                case Field.TokensReasoning: reasoning = Tokens(ref reader, field, limits, ref errors); break;
                case Field.TokensAudioIn: audioIn = Tokens(ref reader, field, limits, ref errors); break;
                case Field.TokensAudioCachedIn: audioCached = Tokens(ref reader, field, limits, ref errors); break;
                case Field.TokensAudioOut: audioOut = Tokens(ref reader, field, limits, ref errors); break;
                case Field.CostUsd: cost = Cost(ref reader, ref errors); break;
                case Field.PriceVersion: priceVersion = OptionalString(ref reader, field, limits.MaxIdLength, ref errors); break;
                case Field.ServiceTier: serviceTier = OptionalString(ref reader, field, limits.MaxIdLength, ref errors); break;
                case Field.LatencyMs: latency = Milliseconds(ref reader, field, required: true, ref errors); break;
                case Field.TtftMs: ttft = Milliseconds(ref reader, field, required: false, ref errors); break;
                case Field.Status: status = RequiredString(ref reader, field, 32, ref errors); break;
                case Field.HttpStatus:
                    if (reader.TokenType == JsonTokenType.Null)
                    {
                        break;
                    }

                    if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var hs) && hs is >= 100 and <= 599)
                    {
                        httpStatus = hs;
                    }
                    else
                    {
                        errors.Add(field, "must be an HTTP status code (100–599) or null.");
                        reader.Skip();
                    }

                    break;
                case Field.Metadata: metadata = Metadata(ref reader, limits, ref errors); break;
                case Field.Sdk: sdk = RequiredString(ref reader, field, limits.MaxIdLength, ref errors); break;
                default: reader.Skip(); break; // unknown fields are ignored (forward compatibility)
            }
        }

        if ((seen & s_required) != s_required)
        {
            RequireAll(seen, ref errors);
        }

        UsageStatus parsedStatus = default;
        if (status is not null && !UsageStatusNames.TryParse(status, out parsedStatus))
        {
            errors.Add(Field.Status, $"must be one of ok, rate_limited, error, blocked; got '{Truncate(status)}'.");
        }

        if (cached + (long)write > tokensIn && !errors.Has(Field.TokensIn) && !errors.Has(Field.TokensCachedIn) && !errors.Has(Field.TokensCacheWrite))
        {
            errors.Add(Field.TokensCachedIn, "tokens_cached_in + tokens_cache_write must not exceed tokens_in.");
        }

        if (write1h > write && !errors.Has(Field.TokensCacheWrite))
        {
            errors.Add(Field.TokensCacheWrite1h, "must not exceed tokens_cache_write.");
        }

        if (reasoning > tokensOut && !errors.Has(Field.TokensOut) && !errors.Has(Field.TokensReasoning))
        {
            errors.Add(Field.TokensReasoning, "must not exceed tokens_out.");
        }

        if ((audioIn | audioCached) != 0 && !errors.Has(Field.TokensIn) && !errors.Has(Field.TokensCachedIn) && !errors.Has(Field.TokensCacheWrite)
            && (audioCached > audioIn || audioCached > cached || audioIn - (long)audioCached > tokensIn - (long)cached - write))
        {
            errors.Add(Field.TokensAudioIn, "tokens_audio_cached_in must not exceed tokens_audio_in or tokens_cached_in, and the uncached audio must fit in the uncached input.");
        }

        if (audioOut > tokensOut && !errors.Has(Field.TokensOut))
        {
            errors.Add(Field.TokensAudioOut, "must not exceed tokens_out.");
        }

        if (errors.Any)
        {
            errorList = errors.List!;
            moreErrors = errors.More;
            return null;
        }

        return new UsageEvent
        {
            EventId = eventId!,
            Timestamp = ts!.Value,
            RequestId = requestId,
            UserId = userId,
            Route = route,
            Provider = provider!,
            Model = model!,
            Operation = operation!,
            Stream = stream!.Value,
            TokensIn = tokensIn,
            TokensOut = tokensOut,
            TokensCachedIn = cached,
            TokensCacheWrite = write,
            TokensCacheWrite1h = write1h,
            TokensReasoning = reasoning,
            TokensAudioIn = audioIn,
            TokensAudioCachedIn = audioCached,
            TokensAudioOut = audioOut,
            CostUsd = cost,
            PriceVersion = priceVersion,
            ServiceTier = serviceTier,
            UsageEstimated = estimated,
            LatencyMs = latency!.Value,
            TtftMs = ttft,
            Status = parsedStatus,
            HttpStatus = httpStatus,
            Metadata = metadata,
            Sdk = sdk!,
        };
    }

    /// <summary>Reports every required field of the contract's table that the event does not carry (and that has no other problem).</summary>
    private static void RequireAll(ulong seen, ref Problems errors)
    {
        foreach (var (_, field, _) in s_fields)
        {
            if ((s_required & Bit(field)) != 0 && (seen & Bit(field)) == 0 && !errors.Has(field))
            {
                errors.Add(field, "is required.");
            }
        }
    }

    private static string Truncate(string value) => value.Length <= 40 ? value : value[..40] + "…";

    private static string? RequiredString(ref Utf8JsonReader reader, Field field, int max, ref Problems errors)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            errors.Add(field, "is required and must not be null.");
            return null;
        }

        var value = OptionalString(ref reader, NameOf(field), max, ref errors);
        if (value is { Length: 0 })
        {
            errors.Add(field, "must not be empty.");
            return null;
        }

        return value;
    }

    /// <summary>
    /// The idempotency key: required, and printable without whitespace or control characters, so two spellings that
    /// look alike (<c>"   "</c> and <c>"    "</c>, a trailing tab) never stand for one event or hide another.
    /// </summary>
    private static string? EventId(ref Utf8JsonReader reader, IngestLimits limits, ref Problems errors)
    {
        var id = RequiredString(ref reader, Field.EventId, limits.MaxIdLength, ref errors);
        foreach (var c in id ?? "")
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                errors.Add(Field.EventId, "must not contain whitespace or control characters (use a ULID or a GUID).");
                return null;
            }
        }

        return id;
    }

    private static string? OptionalString(ref Utf8JsonReader reader, Field field, int max, ref Problems errors)
        => OptionalString(ref reader, NameOf(field), max, ref errors);

    /// <summary>Reads a string or null; a problem is reported at <paramref name="pointer"/> (relative to the event).</summary>
    private static string? OptionalString(ref Utf8JsonReader reader, string pointer, int max, ref Problems errors)
    {
        var value = ReadString(ref reader, max, out var problem);
        if (problem is not null)
        {
            errors.Add(pointer, problem);
        }

        return value;
    }

    private const string NulProblem = "must not contain the character U+0000 (NUL).";

    private static string? ReadString(ref Utf8JsonReader reader, int max, out string? problem)
    {
        problem = null;
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.String)
        {
            problem = $"must be a string; got {Kind(reader.TokenType)}.";
            reader.Skip();
            return null;
        }

        var length = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
        if (length > max * 4L)
        {
            problem = $"is longer than {max} characters.";
            return null;
        }

        string value;
        try
        {
            value = StringPool.Get(ref reader);
        }
        catch (InvalidOperationException)
        {
            problem = "is not valid UTF-8.";
            return null;
        }

        if (value.Length > max)
        {
            problem = $"is longer than {max} characters.";
            return null;
        }

        if (value.Contains('\0', StringComparison.Ordinal))
        {
            problem = NulProblem; // DuckDB, which writes the Parquet, would cut the string there
            return null;
        }

        return value;
    }

    private static int Tokens(ref Utf8JsonReader reader, Field pointer, IngestLimits limits, ref Problems errors)
    {
        if (reader.TokenType != JsonTokenType.Number)
        {
            errors.Add(pointer, $"must be a non-negative integer; got {Kind(reader.TokenType)}.");
            reader.Skip();
            return 0;
        }

        if (!reader.TryGetInt64(out var value))
        {
            errors.Add(pointer, "must be an integer.");
            return 0;
        }

        if (value < 0)
        {
            errors.Add(pointer, "must not be negative.");
            return 0;
        }

        if (value > limits.MaxTokens)
        {
            errors.Add(pointer, $"must not exceed {limits.MaxTokens}.");
            return 0;
        }

        return (int)value;
    }

    private static int? Milliseconds(ref Utf8JsonReader reader, Field pointer, bool required, ref Problems errors)
    {
        if (reader.TokenType == JsonTokenType.Null && !required)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out var value) || value < 0)
        {
            errors.Add(pointer, "must be a non-negative integer number of milliseconds.");
            reader.Skip();
            return null;
        }

        return value;
    }

    private static decimal? Cost(ref Utf8JsonReader reader, ref Problems errors)
    {
        const Field pointer = Field.CostUsd;
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetDecimal(out var value))
        {
            errors.Add(pointer, "must be a number or null.");
            reader.Skip();
            return null;
        }

        if (value < 0 || value >= 1_000_000_000m)
        {
            errors.Add(pointer, "must be between 0 and 999,999,999.999999999.");
            return null;
        }

        return decimal.Round(value, 9, MidpointRounding.AwayFromZero);
    }

    private static DateTimeOffset? Timestamp(ref Utf8JsonReader reader, DateTimeOffset now, IngestLimits limits, ref Problems errors)
    {
        const Field pointer = Field.Timestamp;
        DateTimeOffset ts = default;
        if (reader.TokenType != JsonTokenType.String || !(TryParseWireFormat(ref reader, out ts) || (reader.TryGetDateTimeOffset(out ts) && HasUtcOffset(ref reader))))
        {
            errors.Add(pointer, "must be an ISO 8601 timestamp with a UTC offset, such as 2026-11-21T23:20:00.123456Z.");
            reader.Skip();
            return null;
        }

        ts = ts.ToUniversalTime();
        if (ts > now + limits.MaxClockSkew)
        {
            errors.Add(pointer, $"is in the future ({ts:O}); clocks may differ by at most {limits.MaxClockSkew.TotalMinutes:0} minutes.");
            return null;
        }

        if (ts < now - limits.MaxEventAge)
        {
            errors.Add(pointer, $"is older than {limits.MaxEventAge.TotalDays:0} days.");
            return null;
        }

        return EventTimestamps.Truncate(ts); // µs precision
    }

    /// <summary>
    /// Whether an ISO 8601 timestamp names its offset (<c>Z</c> or <c>±hh:mm</c> after the time): without one, the
    /// general parser would read it in the server's local time zone.
    /// </summary>
    private static bool HasUtcOffset(ref Utf8JsonReader reader)
    {
        var text = reader.GetString()!;
        var time = text.IndexOfAny(['T', 't', ' ']);
        return time > 0 && text.AsSpan(time).IndexOfAny("Zz+-") > 0;
    }

    /// <summary>
    /// Fast path for the contract's exact format (<see cref="EventTimestamps.WireFormat"/>, what the SDK sends); anything
    /// else goes through the general ISO 8601 parser.
    /// </summary>
    private static bool TryParseWireFormat(ref Utf8JsonReader reader, out DateTimeOffset value)
    {
        value = default;
        return !reader.ValueIsEscaped && !reader.HasValueSequence && EventTimestamps.TryParseWireFormat(reader.ValueSpan, out value);
    }

    private static Dictionary<string, string>? Metadata(ref Utf8JsonReader reader, IngestLimits limits, ref Problems errors)
    {
        const string pointer = "metadata";
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            errors.Add(pointer, $"must be an object of string values; got {Kind(reader.TokenType)}.");
            reader.Skip();
            return null;
        }

        var entries = CountEntries(reader);
        if (entries > limits.MaxMetadataEntries)
        {
            // Structure before items: one error for the object, and its entries are never read one by one.
            errors.Add(pointer, $"has {entries} entries; at most {limits.MaxMetadataEntries} are allowed.");
            reader.Skip();
            return null;
        }

        var map = new Dictionary<string, string>(entries, StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string key;
            try
            {
                key = StringPool.Get(ref reader);
            }
            catch (InvalidOperationException)
            {
                errors.Add(pointer, "has a key that is not valid UTF-8.");
                reader.Read();
                reader.Skip();
                continue;
            }

            reader.Read();
            if (key.Contains('\0', StringComparison.Ordinal))
            {
                errors.Add(Entry(key.Replace('\0', '\uFFFD')), "metadata keys " + NulProblem);
                reader.Skip();
                continue;
            }

            if (key.Length == 0 || key.Length > limits.MaxMetadataKeyLength)
            {
                errors.Add(Entry(key), $"metadata keys must have 1 to {limits.MaxMetadataKeyLength} characters.");
                reader.Skip();
                continue;
            }

            if (reader.TokenType != JsonTokenType.String)
            {
                errors.Add(Entry(key), $"must be a string; got {Kind(reader.TokenType)}.");
                reader.Skip();
                continue;
            }

            var value = ReadString(ref reader, limits.MaxMetadataValueLength, out var problem);
            if (problem is not null)
            {
                errors.Add(Entry(key), problem); // the pointer is built only when there is a problem
                continue;
            }

            if (value is null)
            {
                continue;
            }

            map[key] = value;
        }

        return map.Count == 0 ? null : map;

        static string Entry(string key) => pointer + "/" + EscapePointer(key.Length > 64 ? key[..64] : key);
    }

    /// <summary>The entries of the object <paramref name="reader"/> is at, counted on a copy of the reader (no string is made).</summary>
    private static int CountEntries(Utf8JsonReader reader)
    {
        var count = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            count++;
            reader.Read();
            reader.Skip();
        }

        return count;
    }

    internal static string EscapePointer(string token) => token.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    private static string Kind(JsonTokenType type) => type switch
    {
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        _ => type.ToString(),
    };
}
