using System.Buffers;
using System.Text.Json;

namespace LensAI.Estimation;

/// <summary>
/// The text of a request's prompt, as a provider tokenizes it: the strings of the members that carry the prompt
/// (<c>messages</c>, <c>input</c>, <c>instructions</c>, <c>system</c>, <c>prompt</c>, Gemini's <c>contents</c> and
/// <c>systemInstruction</c>), and the whole text of tool and output schemas (<c>tools</c>, <c>functions</c>,
/// <c>response_format</c>), which providers render into the prompt. Roles, types, ids, MIME types and inline binary
/// data (base64 strings, <c>data:</c> URLs) are not text the model reads as tokens and are left out. Read only when an
/// estimate is needed, never for a call that completes.
/// </summary>
internal static class PromptText
{
    /// <summary>Appends the prompt's text to <paramref name="text"/> (strings separated by a newline) and counts its messages (objects with a <c>role</c>).</summary>
    /// <returns>The number of messages; -1 when the body is not a JSON object.</returns>
    public static int Extract(ReadOnlySpan<byte> body, IBufferWriter<byte> text)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, MaxDepth = 256 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return -1;
            }

            var messages = 0;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var member = Member(ref reader);
                reader.Read();
                switch (member)
                {
                    case Kind.Prompt:
                        messages += Strings(ref reader, text);
                        break;
                    case Kind.Schema:
                        Everything(ref reader, text);
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }

            return messages;
        }
        catch (JsonException)
        {
            return -1; // what was read so far still counts
        }
    }

    private enum Kind
    {
        Other,
        Prompt,
        Schema,
    }

    private static Kind Member(ref Utf8JsonReader reader)
    {
        if (reader.ValueTextEquals("messages"u8) || reader.ValueTextEquals("input"u8) || reader.ValueTextEquals("instructions"u8)
            || reader.ValueTextEquals("system"u8) || reader.ValueTextEquals("prompt"u8) || reader.ValueTextEquals("contents"u8)
            || reader.ValueTextEquals("systemInstruction"u8) || reader.ValueTextEquals("system_instruction"u8))
        {
            return Kind.Prompt;
        }

        return reader.ValueTextEquals("tools"u8) || reader.ValueTextEquals("functions"u8) || reader.ValueTextEquals("response_format"u8)
            ? Kind.Schema
            : Kind.Other;
    }

    /// <summary>The prompt strings of one value; returns the number of messages (objects with a <c>role</c>) in it.</summary>
    private static int Strings(ref Utf8JsonReader reader, IBufferWriter<byte> text)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            Append(ref reader, text);
            return 0;
        }

        if (reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
        {
            return 0;
        }

        var depth = reader.CurrentDepth;
        var messages = 0;
        var skipNext = false;
        while (reader.Read() && reader.CurrentDepth > depth)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName:
                    if (reader.ValueTextEquals("role"u8))
                    {
                        messages++;
                    }

                    skipNext = NotText(ref reader);
                    break;
                case JsonTokenType.String:
                    if (!skipNext && !IsInlineData(ref reader))
                    {
                        Append(ref reader, text);
                    }

                    skipNext = false;
                    break;
                case JsonTokenType.StartObject or JsonTokenType.StartArray:
                    if (skipNext)
                    {
                        reader.Skip(); // inline binary data ({"inlineData":{…}}) and the like
                    }

                    skipNext = false;
                    break;
                default:
                    skipNext = false;
                    break;
            }
        }

        return messages;
    }

    /// <summary>Every property name and string of a schema value (tool definitions, response formats).</summary>
    private static void Everything(ref Utf8JsonReader reader, IBufferWriter<byte> text)
    {
        if (reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
        {
            return;
        }

        var depth = reader.CurrentDepth;
        while (reader.Read() && reader.CurrentDepth > depth)
        {
            if (reader.TokenType is JsonTokenType.PropertyName or JsonTokenType.String)
            {
                Append(ref reader, text);
            }
        }
    }

    /// <summary>Members whose value is not prompt text: roles and types, ids, MIME types, URLs and inline binary data.</summary>
    private static bool NotText(ref Utf8JsonReader reader)
        => reader.ValueTextEquals("role"u8) || reader.ValueTextEquals("type"u8) || reader.ValueTextEquals("id"u8)
           || reader.ValueTextEquals("tool_call_id"u8) || reader.ValueTextEquals("call_id"u8) || reader.ValueTextEquals("tool_use_id"u8)
           || reader.ValueTextEquals("mimeType"u8) || reader.ValueTextEquals("mime_type"u8) || reader.ValueTextEquals("media_type"u8)
           || reader.ValueTextEquals("data"u8) || reader.ValueTextEquals("url"u8) || reader.ValueTextEquals("file_id"u8)
           || reader.ValueTextEquals("file_data"u8) || reader.ValueTextEquals("fileUri"u8) || reader.ValueTextEquals("detail"u8)
           || reader.ValueTextEquals("inlineData"u8) || reader.ValueTextEquals("inline_data"u8) || reader.ValueTextEquals("cache_control"u8)
           || reader.ValueTextEquals("signature"u8) || reader.ValueTextEquals("encrypted_content"u8);

    private static bool IsInlineData(ref Utf8JsonReader reader)
        => !reader.HasValueSequence && reader.ValueSpan.StartsWith("data:"u8);

    private static void Append(ref Utf8JsonReader reader, IBufferWriter<byte> text)
    {
        var length = reader.HasValueSequence ? checked((int)reader.ValueSequence.Length) : reader.ValueSpan.Length;
        if (length == 0)
        {
            return;
        }

        var span = text.GetSpan(length + 1);
        var written = reader.ValueIsEscaped || reader.HasValueSequence ? reader.CopyString(span) : Copy(reader.ValueSpan, span);
        span[written] = (byte)'\n';
        text.Advance(written + 1);
    }

    private static int Copy(ReadOnlySpan<byte> from, Span<byte> to)
    {
        from.CopyTo(to);
        return from.Length;
    }
}
