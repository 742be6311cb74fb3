using System.Buffers;

namespace LensAI.Budgets;

/// <summary>The indexes of the entries that apply to one call: on the stack for the usual few, pooled beyond.</summary>
internal ref struct EntryMatches
{
    private Span<int> _items;
    private int[]? _rented;

    public EntryMatches(Span<int> initial)
    {
        _items = initial;
        _rented = null;
        Count = 0;
    }

    public int Count { get; private set; }

    public readonly ReadOnlySpan<int> Items => _items[..Count];

    public void AddRange(int[] indexes)
    {
        foreach (var index in indexes)
        {
            if (Count == _items.Length)
            {
                Grow();
            }

            _items[Count++] = index;
        }
    }

    /// <summary>Empties the list, keeping its buffer.</summary>
    public void Clear() => Count = 0;

    public void Dispose()
    {
        if (_rented is not null)
        {
            ArrayPool<int>.Shared.Return(_rented);
            _rented = null;
        }
    }

    private void Grow()
    {
        var bigger = ArrayPool<int>.Shared.Rent(Math.Max(16, _items.Length * 2));
        _items[..Count].CopyTo(bigger);
        if (_rented is not null)
        {
            ArrayPool<int>.Shared.Return(_rented);
        }

        _rented = bigger;
        _items = bigger;
    }
}
