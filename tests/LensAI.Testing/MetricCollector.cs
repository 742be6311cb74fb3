using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace LensAI.Testing;

/// <summary>Sums the measurements of one <see cref="Meter"/> instance, by instrument and optional tag value.</summary>
public sealed class MetricCollector : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, double> _sums = new();

    public MetricCollector(Meter meter)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, meter))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, value, tags, _) => Add(i, value, tags));
        _listener.SetMeasurementEventCallback<double>((i, value, tags, _) => Add(i, value, tags));
        _listener.Start();
    }

    /// <summary>Sum of <paramref name="instrument"/>, or of its measurements whose tag <c>reason</c>/<c>provider</c> equals <paramref name="tag"/>.</summary>
    public double Sum(string instrument, string? tag = null) => _sums.GetValueOrDefault(tag is null ? instrument : instrument + "|" + tag);

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        _sums.AddOrUpdate(instrument.Name, value, (_, v) => v + value);
        foreach (var tag in tags)
        {
            _sums.AddOrUpdate(instrument.Name + "|" + tag.Value, value, (_, v) => v + value);
        }
    }

    public void Dispose() => _listener.Dispose();
}
