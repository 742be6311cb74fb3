using System.Globalization;
using System.Text.Json;

namespace LensAI.Backend.Ingest;

/// <summary>One problem with one field of one event, as a JSON pointer and a message.</summary>
public sealed record FieldError(string Pointer, string Message);

/// <summary>An event of the batch that was refused, with every reason.</summary>
public sealed record RejectedEvent(int Index, IReadOnlyList<FieldError> Errors);

/// <summary>The result of reading a batch: the events that passed validation and the ones that did not.</summary>
public sealed record BatchReadResult(IReadOnlyList<UsageEvent> Accepted, IReadOnlyList<RejectedEvent> Rejected, int Total);

/// <summary>The body is not a batch at all (malformed JSON, wrong shape, too deep, too many events): the whole request is refused.</summary>
public sealed class BatchFormatException(string message, int status = 400) : Exception(message)
{
    /// <summary>The HTTP status to answer: 400, or 413 for too many events.</summary>
    public int Status { get; } = status;
}

/// <summary>
/// Reads <c>{"events":[…]}</c> in one forward pass with <see cref="Utf8JsonReader"/>, validating every field of every
/// event and naming each problem with a JSON pointer (<c>/events/3/tokens_in</c>). Unknown fields are ignored;
/// <c>project_id</c> from the body is ignored (the key decides). Malformed JSON refuses the whole batch.
/// </summary>
public static class EventBatchReader
{
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

                var errors = new List<FieldError>(0);
                var e = ReadEvent(ref reader, total, limits, now, errors);
                if (errors.Count == 0 && e is not null)
                {
                    accepted.Add(e);
                }
                else
                {
                    rejected.Add(new RejectedEvent(total, errors));
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

    private static UsageEvent? ReadEvent(ref Utf8JsonReader reader, int index, IngestLimits limits, DateTimeOffset now, List<FieldError> errors)
    {
        var at = "/events/" + index.ToString(CultureInfo.InvariantCulture);
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            errors.Add(new FieldError(at, "An event must be a JSON object."));
            reader.Skip();
            return null;
        }

        string? eventId = null, requestId = null, userId = null, route = null, provider = null, model = null, operation = null, status = null, priceVersion = null, sdk = null;
        DateTimeOffset? ts = null;
        bool? stream = null;
        int tokensIn = 0, tokensOut = 0, cached = 0, write = 0, write1h = 0, reasoning = 0, latency = -1;
        int? ttft = null, httpStatus = null;
        decimal? cost = null;
        Dictionary<string, string>? metadata = null;
        bool hasTokensIn = false, hasTokensOut = false;

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            reader.Read();
            var pointer = at + "/" + name;
            switch (name)
            {
                case "event_id": eventId = RequiredString(ref reader, pointer, limits.MaxIdLength, errors); break;
                case "ts": ts = Timestamp(ref reader, pointer, now, limits, errors); break;
                case "project_id": reader.Skip(); break; // never trusted: the API key decides
                case "request_id": requestId = OptionalString(ref reader, pointer, limits.MaxIdLength, errors); break;
                case "user_id": userId = OptionalString(ref reader, pointer, limits.MaxUserIdLength, errors); break;
                case "route": route = OptionalString(ref reader, pointer, limits.MaxRouteLength, errors); break;
                case "provider": provider = RequiredString(ref reader, pointer, limits.MaxIdLength, errors); break;
                case "model": model = RequiredString(ref reader, pointer, limits.MaxIdLength, errors); break;
                case "operation": operation = RequiredString(ref reader, pointer, limits.MaxIdLength, errors); break;
                case "stream":
                    if (reader.TokenType is JsonTokenType.True or JsonTokenType.False)
                    {
                        stream = reader.GetBoolean();
                    }
                    else
                    {
                        errors.Add(new FieldError(pointer, "must be true or false."));
                        reader.Skip();
                    }

                    break;
                case "tokens_in": hasTokensIn = true; tokensIn = Tokens(ref reader, pointer, limits, errors); break;
                case "tokens_out": hasTokensOut = true; tokensOut = Tokens(ref reader, pointer, limits, errors); break;
                case "tokens_cached_in": cached = Tokens(ref reader, pointer, limits, errors); break;
                case "tokens_cache_write": write = Tokens(ref reader, pointer, limits, errors); break;
                case "tokens_cache_write_1h": write1h = Tokens(ref reader, pointer, limits, errors); break;
                case "tokens_reasoning": reasoning = Tokens(ref reader, pointer, limits, errors); break;
                case "cost_usd": cost = Cost(ref reader, pointer, errors); break;
                case "price_version": priceVersion = OptionalString(ref reader, pointer, limits.MaxIdLength, errors); break;
                case "latency_ms": latency = Milliseconds(ref reader, pointer, required: true, errors) ?? -1; break;
                case "ttft_ms": ttft = Milliseconds(ref reader, pointer, required: false, errors); break;
                case "status": status = RequiredString(ref reader, pointer, 32, errors); break;
                case "http_status":
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
                        errors.Add(new FieldError(pointer, "must be an HTTP status code (100–599) or null."));
                        reader.Skip();
                    }

                    break;
                case "metadata": metadata = Metadata(ref reader, pointer, limits, errors); break;
                case "sdk": sdk = RequiredString(ref reader, pointer, limits.MaxIdLength, errors); break;
                default: reader.Skip(); break; // unknown fields are ignored (forward compatibility)
            }
        }

        Require(eventId, at + "/event_id", errors);
        Require(provider, at + "/provider", errors);
        Require(model, at + "/model", errors);
        Require(operation, at + "/operation", errors);
        Require(sdk, at + "/sdk", errors);
        if (ts is null && !errors.Any(e => e.Pointer == at + "/ts"))
        {
            errors.Add(new FieldError(at + "/ts", "is required."));
        }

        if (!hasTokensIn && !errors.Any(e => e.Pointer == at + "/tokens_in"))
        {
            errors.Add(new FieldError(at + "/tokens_in", "is required."));
        }

        if (!hasTokensOut && !errors.Any(e => e.Pointer == at + "/tokens_out"))
        {
            errors.Add(new FieldError(at + "/tokens_out", "is required."));
        }

        if (latency < 0 && !errors.Any(e => e.Pointer == at + "/latency_ms"))
        {
            errors.Add(new FieldError(at + "/latency_ms", "is required."));
        }

        if (stream is null && !errors.Any(e => e.Pointer == at + "/stream"))
        {
            errors.Add(new FieldError(at + "/stream", "is required."));
        }

        UsageStatus parsedStatus = default;
        if (status is null)
        {
            if (!errors.Any(e => e.Pointer == at + "/status"))
            {
                errors.Add(new FieldError(at + "/status", "is required."));
            }
        }
        else if (!UsageStatusNames.TryParse(status, out parsedStatus))
        {
            errors.Add(new FieldError(at + "/status", $"must be one of ok, rate_limited, error, blocked; got '{Truncate(status)}'."));
        }

        bool Clean(string field) => !errors.Any(x => x.Pointer == at + "/" + field);
        if (cached + (long)write > tokensIn && Clean("tokens_in") && Clean("tokens_cached_in") && Clean("tokens_cache_write"))
        {
            errors.Add(new FieldError(at + "/tokens_cached_in", "tokens_cached_in + tokens_cache_write must not exceed tokens_in."));
        }

        if (write1h > write && Clean("tokens_cache_write"))
        {
            errors.Add(new FieldError(at + "/tokens_cache_write_1h", "must not exceed tokens_cache_write."));
        }

        if (reasoning > tokensOut && Clean("tokens_out") && Clean("tokens_reasoning"))
        {
            errors.Add(new FieldError(at + "/tokens_reasoning", "must not exceed tokens_out."));
        }

        if (errors.Count > 0)
        {
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
            CostUsd = cost,
            PriceVersion = priceVersion,
            LatencyMs = latency,
            TtftMs = ttft,
            Status = parsedStatus,
            HttpStatus = httpStatus,
            Metadata = metadata,
            Sdk = sdk!,
        };
    }

    private static void Require(string? value, string pointer, List<FieldError> errors)
    {
        if (value is null && !errors.Any(e => e.Pointer == pointer))
        {
            errors.Add(new FieldError(pointer, "is required."));
        }
    }

    private static string Truncate(string value) => value.Length <= 40 ? value : value[..40] + "…";

    private static string? RequiredString(ref Utf8JsonReader reader, string pointer, int max, List<FieldError> errors)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            errors.Add(new FieldError(pointer, "is required and must not be null."));
            return null;
        }

        var value = OptionalString(ref reader, pointer, max, errors);
        if (value is { Length: 0 })
        {
            errors.Add(new FieldError(pointer, "must not be empty."));
            return null;
        }

        return value;
    }

    private static string? OptionalString(ref Utf8JsonReader reader, string pointer, int max, List<FieldError> errors)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.String)
        {
            errors.Add(new FieldError(pointer, $"must be a string; got {Kind(reader.TokenType)}."));
            reader.Skip();
            return null;
        }

        var length = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
        if (length > max * 4L)
        {
            errors.Add(new FieldError(pointer, $"is longer than {max} characters."));
            return null;
        }

        string value;
        try
        {
            value = reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            errors.Add(new FieldError(pointer, "is not valid UTF-8."));
            return null;
        }

        if (value.Length > max)
        {
            errors.Add(new FieldError(pointer, $"is longer than {max} characters."));
            return null;
        }

        return value;
    }

    private static int Tokens(ref Utf8JsonReader reader, string pointer, IngestLimits limits, List<FieldError> errors)
    {
        if (reader.TokenType != JsonTokenType.Number)
        {
            errors.Add(new FieldError(pointer, $"must be a non-negative integer; got {Kind(reader.TokenType)}."));
            reader.Skip();
            return 0;
        }

        if (!reader.TryGetInt64(out var value))
        {
            errors.Add(new FieldError(pointer, "must be an integer."));
            return 0;
        }

        if (value < 0)
        {
            errors.Add(new FieldError(pointer, "must not be negative."));
            return 0;
        }

        if (value > limits.MaxTokens)
        {
            errors.Add(new FieldError(pointer, $"must not exceed {limits.MaxTokens}."));
            return 0;
        }

        return (int)value;
    }

    private static int? Milliseconds(ref Utf8JsonReader reader, string pointer, bool required, List<FieldError> errors)
    {
        if (reader.TokenType == JsonTokenType.Null && !required)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out var value) || value < 0)
        {
            errors.Add(new FieldError(pointer, "must be a non-negative integer number of milliseconds."));
            reader.Skip();
            return null;
        }

        return value;
    }

    private static decimal? Cost(ref Utf8JsonReader reader, string pointer, List<FieldError> errors)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetDecimal(out var value))
        {
            errors.Add(new FieldError(pointer, "must be a number or null."));
            reader.Skip();
            return null;
        }

        if (value < 0 || value >= 1_000_000_000m)
        {
            errors.Add(new FieldError(pointer, "must be between 0 and 999,999,999.999999999."));
            return null;
        }

        return decimal.Round(value, 9, MidpointRounding.AwayFromZero);
    }

    private static DateTimeOffset? Timestamp(ref Utf8JsonReader reader, string pointer, DateTimeOffset now, IngestLimits limits, List<FieldError> errors)
    {
        if (reader.TokenType != JsonTokenType.String || !reader.TryGetDateTimeOffset(out var ts))
        {
            errors.Add(new FieldError(pointer, "must be an ISO 8601 timestamp such as 2026-11-21T23:20:00.123456Z."));
            reader.Skip();
            return null;
        }

        ts = ts.ToUniversalTime();
        if (ts > now + limits.MaxClockSkew)
        {
            errors.Add(new FieldError(pointer, $"is in the future ({ts:O}); clocks may differ by at most {limits.MaxClockSkew.TotalMinutes:0} minutes."));
            return null;
        }

        if (ts < now - limits.MaxEventAge)
        {
            errors.Add(new FieldError(pointer, $"is older than {limits.MaxEventAge.TotalDays:0} days."));
            return null;
        }

        return new DateTimeOffset(ts.UtcTicks - (ts.UtcTicks % 10), TimeSpan.Zero); // µs precision
    }

    private static Dictionary<string, string>? Metadata(ref Utf8JsonReader reader, string pointer, IngestLimits limits, List<FieldError> errors)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            errors.Add(new FieldError(pointer, $"must be an object of string values; got {Kind(reader.TokenType)}."));
            reader.Skip();
            return null;
        }

        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string key;
            try
            {
                key = reader.GetString()!;
            }
            catch (InvalidOperationException)
            {
                errors.Add(new FieldError(pointer, "has a key that is not valid UTF-8."));
                reader.Read();
                reader.Skip();
                continue;
            }

            reader.Read();
            var entry = pointer + "/" + EscapePointer(key.Length > 64 ? key[..64] : key);
            if (key.Length == 0 || key.Length > limits.MaxMetadataKeyLength)
            {
                errors.Add(new FieldError(entry, $"metadata keys must have 1 to {limits.MaxMetadataKeyLength} characters."));
                reader.Skip();
                continue;
            }

            var value = OptionalString(ref reader, entry, limits.MaxMetadataValueLength, errors);
            if (value is null)
            {
                continue;
            }

            if (map.Count == limits.MaxMetadataEntries)
            {
                errors.Add(new FieldError(pointer, $"has more than {limits.MaxMetadataEntries} entries."));
                continue;
            }

            map[key] = value;
        }

        return map.Count == 0 ? null : map;
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
