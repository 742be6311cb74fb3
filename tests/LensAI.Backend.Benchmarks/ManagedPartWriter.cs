using System.Globalization;
using LensAI.Backend.Ingest;
using LensAI.Backend.Parquet;
using Parquet;
using Parquet.Schema;

namespace LensAI.Backend.Benchmarks;

/// <summary>
/// The Parquet.Net 6.1.0 contender of the writer benchmark: stored events as one ZSTD Parquet file in the stored
/// layout (<see cref="EventSchema.StoredColumns"/>), the same column names and types DuckDB's <c>COPY … TO</c>
/// writes, NULL maps as NULL, costs rounded and range-checked like the ingest path. It passed the backend's
/// round-trip tests (every column, NULLs, maps, 100k-character text, exact decimals) but is not the ingest writer:
/// Parquet.Net 6.1.0 writes the min/max statistics of a TIMESTAMP(MICROS) column in milliseconds (its issue #769),
/// so DuckDB — and any reader that prunes row groups by statistics — skips rows on a <c>ts</c> filter
/// (docs/benchmarks.md, "The part writer").
/// </summary>
internal static class ManagedPartWriter
{
    /// <summary>The largest cost DECIMAL(18,9) holds is 999,999,999.999999999.</summary>
    private const decimal CostLimit = 1_000_000_000m;

    private static readonly ParquetOptions s_options = new()
    {
        CompressionMethod = CompressionMethod.Zstd,
        CompressionLevel = System.IO.Compression.CompressionLevel.Fastest,
    };

    /// <summary>The Parquet schema of a part, one field per stored column.</summary>
    internal static readonly ParquetSchema Schema = new(EventSchema.StoredColumns.Select(c => Field(c.Name, c.Type, c.Nullable)));

    /// <summary>Writes <paramref name="rows"/> (at least one) as one row group to <paramref name="output"/>.</summary>
    /// <exception cref="OverflowException">A cost does not fit the <c>cost_usd</c> column (nothing usable is written).</exception>
    public static async Task WriteAsync(IReadOnlyList<StoredEvent> rows, Stream output, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfZero(rows.Count);
        await using var writer = await ParquetWriter.CreateAsync(Schema, output, s_options, cancellationToken: cancellationToken).ConfigureAwait(false);
        using var group = writer.CreateRowGroup();
        foreach (var field in Schema.Fields)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (field is MapField map)
            {
                await WriteMapAsync(group, map, rows, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await Values(group, (DataField)field, rows, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Writes one column: the one place that knows which value of a stored event goes in which column.</summary>
    private static Task Values(ParquetRowGroupWriter group, DataField field, IReadOnlyList<StoredEvent> rows, CancellationToken ct) => field.Name switch
    {
        "event_id" => group.WriteAsync(field, Strings(rows, r => r.Event.EventId)),
        "ts" => group.WriteAsync<DateTime>(field, Of(rows, r => r.Event.Timestamp.UtcDateTime), cancellationToken: ct),
        "project_id" => group.WriteAsync(field, Strings(rows, r => r.Project)),
        "request_id" => group.WriteAsync(field, Strings(rows, r => r.Event.RequestId)),
        "user_id" => group.WriteAsync(field, Strings(rows, r => r.Event.UserId)),
        "route" => group.WriteAsync(field, Strings(rows, r => r.Event.Route)),
        "provider" => group.WriteAsync(field, Strings(rows, r => r.Event.Provider)),
        "model" => group.WriteAsync(field, Strings(rows, r => r.Event.Model)),
        "operation" => group.WriteAsync(field, Strings(rows, r => r.Event.Operation)),
        "stream" => group.WriteAsync<bool>(field, Of(rows, r => r.Event.Stream), cancellationToken: ct),
        "tokens_in" => group.WriteAsync<int>(field, Of(rows, r => r.Event.TokensIn), cancellationToken: ct),
        "tokens_out" => group.WriteAsync<int>(field, Of(rows, r => r.Event.TokensOut), cancellationToken: ct),
        "tokens_cached_in" => group.WriteAsync<int>(field, Of(rows, r => r.Event.TokensCachedIn), cancellationToken: ct),
        "tokens_cache_write" => group.WriteAsync<int>(field, Of(rows, r => r.Event.TokensCacheWrite), cancellationToken: ct),
        "tokens_cache_write_1h" => group.WriteAsync<int>(field, Of(rows, r => r.Event.TokensCacheWrite1h), cancellationToken: ct),
        "tokens_reasoning" => group.WriteAsync<int>(field, Of(rows, r => r.Event.TokensReasoning), cancellationToken: ct),
        "tokens_audio_in" => group.WriteAsync<int>(field, Of(rows, r => r.Event.TokensAudioIn), cancellationToken: ct),
        "tokens_audio_cached_in" => group.WriteAsync<int>(field, Of(rows, r => r.Event.TokensAudioCachedIn), cancellationToken: ct),
        "tokens_audio_out" => group.WriteAsync<int>(field, Of(rows, r => r.Event.TokensAudioOut), cancellationToken: ct),
        "cost_usd" => group.WriteAsync<decimal>(field, Of(rows, r => Cost(r.CostUsd)).AsMemory(), cancellationToken: ct),
        "price_version" => group.WriteAsync(field, Strings(rows, r => r.PriceVersion)),
        "service_tier" => group.WriteAsync(field, Strings(rows, r => r.Event.ServiceTier)),
        "usage_estimated" => group.WriteAsync<bool>(field, Of(rows, r => r.Event.UsageEstimated), cancellationToken: ct),
        "latency_ms" => group.WriteAsync<int>(field, Of(rows, r => r.Event.LatencyMs), cancellationToken: ct),
        "ttft_ms" => group.WriteAsync<int>(field, Of(rows, r => r.Event.TtftMs).AsMemory(), cancellationToken: ct),
        "status" => group.WriteAsync(field, Strings(rows, r => r.Event.Status.ToWireName())),
        "http_status" => group.WriteAsync<int>(field, Of(rows, r => r.Event.HttpStatus).AsMemory(), cancellationToken: ct),
        "sdk" => group.WriteAsync(field, Strings(rows, r => r.Event.Sdk)),
        "cost_source" => group.WriteAsync(field, Strings(rows, r => r.CostSource)),
        "ingested_at" => group.WriteAsync<DateTime>(field, Of(rows, r => r.IngestedAt.UtcDateTime), cancellationToken: ct),
        _ => throw new NotSupportedException($"No value is written for the stored column '{field.Name}'."),
    };

    /// <summary>
    /// A map column, in Parquet's nested encoding: the keys and the values of every entry (only those present), with
    /// explicit levels — repetition 0 on a row's first entry and 1 on the rest; definition "entry present" (or
    /// "value null") per entry, and "map NULL" for a row with no entries, which is how the DuckDB writer stored an
    /// empty map too.
    /// </summary>
    private static async Task WriteMapAsync(ParquetRowGroupWriter group, MapField map, IReadOnlyList<StoredEvent> rows, CancellationToken cancellationToken)
    {
        if (map.Name != "metadata")
        {
            throw new NotSupportedException($"No value is written for the stored map column '{map.Name}'.");
        }

        var keyField = (DataField)map.Key;
        var valueField = (DataField)map.Value;
        var nullMap = keyField.MaxDefinitionLevel - 2; // the map's own level: 0 when the map is optional
        var keys = new List<ReadOnlyMemory<char>>(rows.Count * 2);
        var values = new List<ReadOnlyMemory<char>>(rows.Count * 2);
        var repetition = new List<int>(rows.Count * 2);
        var keyDefinition = new List<int>(rows.Count * 2);
        var valueDefinition = new List<int>(rows.Count * 2);
        foreach (var row in rows)
        {
            if (row.Event.Metadata is not { Count: > 0 } metadata)
            {
                repetition.Add(0);
                keyDefinition.Add(nullMap);
                valueDefinition.Add(nullMap);
                continue;
            }

            var first = true;
            foreach (var (key, value) in metadata)
            {
                repetition.Add(first ? 0 : 1);
                keyDefinition.Add(keyField.MaxDefinitionLevel);
                keys.Add(key.AsMemory());
                if (value is null)
                {
                    valueDefinition.Add(valueField.MaxDefinitionLevel - 1);
                }
                else
                {
                    valueDefinition.Add(valueField.MaxDefinitionLevel);
                    values.Add(value.AsMemory());
                }

                first = false;
            }
        }

        var levels = repetition.ToArray();
        await group.WriteAllPartsAsync<ReadOnlyMemory<char>>(keyField, keys.ToArray(), keyDefinition.ToArray(), levels, cancellationToken).ConfigureAwait(false);
        await group.WriteAllPartsAsync<ReadOnlyMemory<char>>(valueField, values.ToArray(), valueDefinition.ToArray(), levels, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The cost rounded to the column's 9 decimals half away from zero (DuckDB's rule for a cast); a cost too large throws.</summary>
    private static decimal? Cost(decimal? cost)
    {
        if (cost is not { } value)
        {
            return null;
        }

        var rounded = decimal.Round(value, 9, MidpointRounding.AwayFromZero);
        return Math.Abs(rounded) < CostLimit
            ? rounded
            : throw new OverflowException(string.Create(CultureInfo.InvariantCulture, $"The cost {value} does not fit DECIMAL(18,9)."));
    }

    private static string?[] Strings(IReadOnlyList<StoredEvent> rows, Func<StoredEvent, string?> get)
    {
        var values = new string?[rows.Count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = get(rows[i]);
        }

        return values;
    }

    private static T[] Of<T>(IReadOnlyList<StoredEvent> rows, Func<StoredEvent, T> get)
    {
        var values = new T[rows.Count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = get(rows[i]);
        }

        return values;
    }

    private static Field Field(string name, string type, bool nullable) => type switch
    {
        "VARCHAR" => new DataField<string>(name, nullable),
        "BOOLEAN" when !nullable => new DataField<bool>(name, false),
        "INTEGER" => nullable ? new DataField<int?>(name, true) : new DataField<int>(name, false),
        "TIMESTAMPTZ" => new DateTimeDataField(name, DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Micros, isNullable: nullable),
        "DECIMAL(18,9)" => new DecimalDataField(name, 18, 9, isNullable: nullable),
        "MAP(VARCHAR, VARCHAR)" => new MapField(name, new DataField<string>("key", false), new DataField<string>("value", true)),
        _ => throw new NotSupportedException($"The stored column '{name}' has type {type}, which the part writer does not write."),
    };
}
