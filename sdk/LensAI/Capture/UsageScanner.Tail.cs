using System.Buffers;
using System.Buffers.Text;

namespace LensAI.Capture;

internal sealed partial class UsageScanner
{
    private static readonly SearchValues<byte> s_structure = SearchValues.Create("\"[]{}"u8);
    private static readonly SearchValues<byte> s_number = SearchValues.Create("0123456789+-.eE"u8);

    /// <summary>
    /// Reads the rest of a document from its last <c>"usage"</c> member (as members of the top-level object) in one
    /// forward pass over the bytes: names compared in place, numbers parsed in place, strings, arrays and objects
    /// nothing is read from skipped with vectorized searches. The proof is the same as the reader's: the members must
    /// close exactly one object, followed by nothing but whitespace. Anything this pass does not expect (an escaped
    /// name or value it would keep, an array it would have to follow, malformed bytes) returns <see langword="false"/>
    /// and the caller restores its state and takes the general path.
    /// </summary>
    private bool TryReadTail(ReadOnlySpan<byte> rest)
    {
        var cursor = new Cursor(rest);
        if (!Members(ref cursor, Frame.Top, depth: 1))
        {
            return false;
        }

        cursor.SkipWhiteSpace();
        return cursor.AtEnd;
    }

    /// <summary>Members up to and including the closing brace (the opening one is already consumed).</summary>
    private bool Members(ref Cursor cursor, Frame frame, int depth)
    {
        cursor.SkipWhiteSpace();
        if (cursor.TryConsume((byte)'}'))
        {
            return true;
        }

        while (true)
        {
            if (!cursor.TryReadString(out var key, out var escaped) || escaped)
            {
                return false;
            }

            cursor.SkipWhiteSpace();
            if (!cursor.TryConsume((byte)':'))
            {
                return false;
            }

            cursor.SkipWhiteSpace();
            if (!Value(ref cursor, frame, frame == Frame.Other ? Name.None : Recognize(key, frame), depth))
            {
                return false;
            }

            cursor.SkipWhiteSpace();
            if (cursor.TryConsume((byte)','))
            {
                cursor.SkipWhiteSpace();
                continue;
            }

            return cursor.TryConsume((byte)'}');
        }
    }

    private bool Value(ref Cursor cursor, Frame parent, Name name, int depth)
    {
        switch (cursor.Peek)
        {
            case (byte)'{':
                cursor.Advance();
                var child = ChildFrame(parent, name, isObject: true);
                return child == Frame.Other ? cursor.SkipContainer() : depth < MaxDepth && Members(ref cursor, child, depth + 1);
            case (byte)'[':
                // Arrays LensAI reads from (Gemini candidates) are not at the end of the documents this pass is for.
                return ChildFrame(parent, name, isObject: false) == Frame.Other && cursor.Advance() && cursor.SkipContainer();
            case (byte)'"':
                if (!cursor.TryReadString(out var text, out var escaped))
                {
                    return false;
                }

                if (name == Name.None)
                {
                    return true;
                }

                if (escaped)
                {
                    // A value to keep that needs unescaping: the reader does that (the tier here, else the general path).
                    return name == Name.ServiceTier && TryUnescape(text, out var unescaped) && KeepTier(unescaped);
                }

                OnString(text, name);
                return true;
            case (byte)'t':
                return cursor.TryConsume("true"u8);
            case (byte)'f':
                return cursor.TryConsume("false"u8);
            case (byte)'n':
                return cursor.TryConsume("null"u8);
            default:
                var number = cursor.ReadNumber();
                if (number.IsEmpty)
                {
                    return false;
                }

                if (name != Name.None && Utf8Parser.TryParse(number, out long value, out var consumed) && consumed == number.Length)
                {
                    OnNumber(name, value);
                }

                return true;
        }
    }

    private bool KeepTier(ReadOnlySpan<byte> tier)
    {
        OnString(tier, Name.ServiceTier);
        return true;
    }

    /// <summary>Unescapes a short JSON string's raw bytes (without its quotes) through the reader.</summary>
    private static bool TryUnescape(ReadOnlySpan<byte> raw, out ReadOnlySpan<byte> value)
    {
        value = default;
        if (raw.Length > 62)
        {
            return false;
        }

        Span<byte> quoted = stackalloc byte[raw.Length + 2];
        quoted[0] = (byte)'"';
        raw.CopyTo(quoted[1..]);
        quoted[^1] = (byte)'"';
        var reader = new System.Text.Json.Utf8JsonReader(quoted);
        var buffer = new byte[raw.Length];
        try
        {
            reader.Read();
            value = buffer.AsSpan(0, reader.CopyString(buffer));
            return true;
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }

    /// <summary>A position in the bytes of the tail.</summary>
    private ref struct Cursor(ReadOnlySpan<byte> bytes)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;
        private int _at;

        public readonly bool AtEnd => _at >= _bytes.Length;

        public readonly byte Peek => _at < _bytes.Length ? _bytes[_at] : (byte)0;

        public bool Advance()
        {
            _at++;
            return true;
        }

        /// <summary>
        /// Whitespace between tokens is a few bytes (a newline and an indent in pretty-printed bodies): a byte loop,
        /// cheaper than setting up a vectorized search for runs this short.
        /// </summary>
        public void SkipWhiteSpace()
        {
            var bytes = _bytes;
            var at = _at;
            while ((uint)at < (uint)bytes.Length && bytes[at] is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t')
            {
                at++;
            }

            _at = at;
        }

        public bool TryConsume(byte b)
        {
            if (Peek != b)
            {
                return false;
            }

            _at++;
            return true;
        }

        public bool TryConsume(ReadOnlySpan<byte> literal)
        {
            if (!_bytes[_at..].StartsWith(literal))
            {
                return false;
            }

            _at += literal.Length;
            return true;
        }

        /// <summary>A string at the cursor: its raw bytes between the quotes, and whether they hold escapes.</summary>
        public bool TryReadString(out ReadOnlySpan<byte> value, out bool escaped)
        {
            value = default;
            escaped = false;
            if (Peek != (byte)'"')
            {
                return false;
            }

            var start = ++_at;

            // Names and the values kept are short: a byte loop first, the vectorized search for what is longer.
            var bytes = _bytes;
            var limit = Math.Min(bytes.Length, _at + 32);
            for (var i = _at; i < limit; i++)
            {
                if (bytes[i] == (byte)'"')
                {
                    value = bytes[start..i];
                    _at = i + 1;
                    return true;
                }

                if (bytes[i] == (byte)'\\')
                {
                    break;
                }
            }

            while (true)
            {
                var rest = _bytes[_at..];
                var stop = rest.IndexOfAny((byte)'"', (byte)'\\');
                if (stop < 0)
                {
                    return false;
                }

                _at += stop;
                if (_bytes[_at] == (byte)'"')
                {
                    value = _bytes[start.._at];
                    _at++;
                    return true;
                }

                escaped = true;
                _at += 2; // the backslash and the byte it escapes
            }
        }

        /// <summary>Skips to just past the bracket that closes the container whose opening bracket was consumed.</summary>
        public bool SkipContainer()
        {
            var depth = 1;
            while (true)
            {
                var rest = _bytes[_at..];
                var stop = rest.IndexOfAny(s_structure);
                if (stop < 0)
                {
                    return false;
                }

                _at += stop;
                switch (_bytes[_at])
                {
                    case (byte)'"':
                        if (!TryReadString(out _, out _))
                        {
                            return false;
                        }

                        continue;
                    case (byte)'[' or (byte)'{':
                        depth++;
                        break;
                    default:
                        depth--;
                        break;
                }

                _at++;
                if (depth == 0)
                {
                    return true;
                }
            }
        }

        public ReadOnlySpan<byte> ReadNumber()
        {
            var rest = _bytes[_at..];
            var end = rest.IndexOfAnyExcept(s_number);
            var number = end < 0 ? rest : rest[..end];
            _at += number.Length;
            return number;
        }
    }
}
