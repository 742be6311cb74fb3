using System.Buffers;

namespace LensAI.Capture;

/// <summary>
/// Splits a server-sent-events byte stream into events as it passes by and hands each event's <c>data</c> to a
/// <see cref="UsageScanner"/>. Keeps at most one unfinished event (bounded by <see cref="MaxEventBytes"/>);
/// never holds the stream itself.
/// </summary>
internal sealed class SseDecoder : IDisposable
{
    /// <summary>An event larger than this is skipped rather than buffered.</summary>
    public const int MaxEventBytes = 4 * 1024 * 1024;

    private byte[]? _line;
    private int _lineLength;
    private byte[]? _data;
    private int _dataLength;
    private bool _hasData;
    private bool _overflow;

    /// <summary>Where the text each event delivers is tallied (for the estimate of a stream that ends early), if anywhere.</summary>
    public Estimation.StreamedText? Text { get; init; }

    public void Feed(ReadOnlySpan<byte> chunk, UsageScanner scanner)
    {
        while (!chunk.IsEmpty)
        {
            var newline = chunk.IndexOf((byte)'\n');
            if (newline < 0)
            {
                AppendLine(chunk);
                return;
            }

            if (_lineLength == 0)
            {
                OnLine(chunk[..newline], scanner);
            }
            else
            {
                AppendLine(chunk[..newline]);
                if (_line is not null)
                {
                    OnLine(_line.AsSpan(0, _lineLength), scanner);
                }

                _lineLength = 0;
            }

            chunk = chunk[(newline + 1)..];
        }
    }

    /// <summary>The stream ended: an unterminated last line and event still count.</summary>
    public void Finish(UsageScanner scanner)
    {
        if (_lineLength > 0 && _line is not null)
        {
            OnLine(_line.AsSpan(0, _lineLength), scanner);
            _lineLength = 0;
        }

        Dispatch(scanner);
    }

    public void Dispose()
    {
        Return(ref _line);
        Return(ref _data);
    }

    private void OnLine(ReadOnlySpan<byte> line, UsageScanner scanner)
    {
        if (!line.IsEmpty && line[^1] == (byte)'\r')
        {
            line = line[..^1];
        }

        if (line.IsEmpty)
        {
            Dispatch(scanner);
            return;
        }

        if (!line.StartsWith("data:"u8))
        {
            return; // event:, id:, retry:, comments
        }

        var payload = line[5..];
        if (!payload.IsEmpty && payload[0] == (byte)' ')
        {
            payload = payload[1..];
        }

        if (_hasData)
        {
            AppendData("\n"u8);
        }

        AppendData(payload);
        _hasData = true;
    }

    private void Dispatch(UsageScanner scanner)
    {
        if (!_hasData)
        {
            return;
        }

        var data = _overflow || _data is null ? default : _data.AsSpan(0, _dataLength).Trim(" \t\r\n"u8);
        _hasData = false;
        _dataLength = 0;
        _overflow = false;
        if (data.IsEmpty)
        {
            return;
        }

        if (data.SequenceEqual("[DONE]"u8))
        {
            scanner.SawEnd = true;
        }
        else if (data[0] is (byte)'{' or (byte)'[')
        {
            Text?.Feed(data);
            if (!scanner.CanSkip(data))
            {
                scanner.ScanDocument(data);
            }
        }
    }

    private void AppendLine(ReadOnlySpan<byte> bytes) => Append(ref _line, ref _lineLength, bytes, ref _overflow);

    private void AppendData(ReadOnlySpan<byte> bytes) => Append(ref _data, ref _dataLength, bytes, ref _overflow);

    private static void Append(ref byte[]? buffer, ref int length, ReadOnlySpan<byte> bytes, ref bool overflow)
    {
        var needed = length + bytes.Length;
        if (needed > MaxEventBytes)
        {
            overflow = true;
            return;
        }

        if (buffer is null || buffer.Length < needed)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, 1024));
            if (buffer is not null)
            {
                buffer.AsSpan(0, length).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(buffer);
            }

            buffer = bigger;
        }

        bytes.CopyTo(buffer.AsSpan(length));
        length = needed;
    }

    private static void Return(ref byte[]? buffer)
    {
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            buffer = null;
        }
    }
}
