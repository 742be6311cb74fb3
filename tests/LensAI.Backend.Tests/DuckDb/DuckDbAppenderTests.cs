using System.Globalization;
using System.Text.Json;
using DuckDB.NET.Data;
using LensAI.Backend.DuckDb;
using LensAI.Backend.Ingest;
using LensAI.Backend.Parquet;

namespace LensAI.Backend.Tests.DuckDb;

/// <summary>
/// DuckDB.NET's appender on the ingest path (<see cref="EventWriter.AppendRow"/> into the staging table): exact
/// decimals, microsecond UTC timestamps, NULLs, any text, and DuckDB's errors.
/// </summary>
public sealed class DuckDbAppenderTests : IDisposable
{
    private static readonly DateTimeOffset s_ts = new DateTimeOffset(2026, 11, 21, 12, 34, 56, TimeSpan.Zero).AddTicks(1234560); // .123456

    private readonly DuckDbConnectionFactory _duckDb = new();
    private readonly DuckDBConnection _connection;

    public DuckDbAppenderTests()
    {
        _connection = _duckDb.Open();
        _connection.Execute($"CREATE TEMP TABLE staging ({EventSchema.StagingColumns})");
    }

    public void Dispose()
    {
        _connection.Dispose();
        _duckDb.Dispose();
    }

    [Fact]
    public void The_staging_layout_round_trips_every_column_and_null()
    {
        var e = new UsageEvent
        {
            EventId = "evt-0", Timestamp = s_ts, Provider = "openai", Model = "gpt-4o-mini-2024-07-18", Operation = "chat", TokensIn = 1000, TokensOut = 100,
            LatencyMs = 250, Sdk = "lensai-dotnet/1.0.0", RequestId = "req-1", UserId = "user-9", Route = "POST /chat", Stream = true, TokensCachedIn = 500,
            TokensCacheWrite = 7, TokensCacheWrite1h = 3, TokensReasoning = 11, TokensAudioIn = 9, TokensAudioCachedIn = 4, TokensAudioOut = 2, TtftMs = 5, HttpStatus = 200, Status = UsageStatus.RateLimited, UsageEstimated = true, ServiceTier = "flex",
            Metadata = new Dictionary<string, string> { ["team"] = "search", ["quote"] = "it's \"x\"" },
        };
        var full = new StoredEvent(e, "acme", 0.002875m, "openai/2026-01", "computed", s_ts.AddSeconds(1));
        var empty = Stored(1, cost: null);
        Append(full, empty);

        using var reader = _connection.Command("SELECT * FROM staging ORDER BY event_id").ExecuteReader();
        Assert.True(reader.Read());
        Assert.Equal(
            new object[] { "evt-0", s_ts, "acme", "req-1", "user-9", "POST /chat", "openai", "gpt-4o-mini-2024-07-18", "chat", true, 1000, 100, 500, 7, 3, 11, 9, 4, 2,
             0.002875m, "openai/2026-01", "flex", true, 250, 5, "rate_limited", 200, JsonSerializer.Serialize(e.Metadata, LensAIJsonContext.Default.IReadOnlyDictionaryStringString), "lensai-dotnet/1.0.0", "computed", s_ts.AddSeconds(1) },
            Enumerable.Range(0, reader.FieldCount).Select(i => i is 1 or 30 ? reader.GetFieldValue<DateTimeOffset>(i) : reader.GetValue(i)));

        Assert.Equal(e.Metadata, JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(27)));

        Assert.True(reader.Read());
        int[] nullable = [3, 4, 5, 19, 20, 21, 24, 26, 27, 29];
        Assert.All(nullable, i => Assert.True(reader.IsDBNull(i), reader.GetName(i)));
        Assert.All(Enumerable.Range(0, reader.FieldCount).Except(nullable), i => Assert.False(reader.IsDBNull(i), reader.GetName(i)));
        Assert.False(reader.Read());
    }

    [Theory]
    [InlineData("0.000000001")]
    [InlineData("123456789.123456789")]
    [InlineData("-123456789.123456789")]
    [InlineData("999999999.999999999")]
    [InlineData("0.1")]
    [InlineData("0")]
    [InlineData("0.000022500")]
    public void Costs_are_exact_in_DECIMAL_18_9(string text)
    {
        var value = decimal.Parse(text, CultureInfo.InvariantCulture);
        Append(Stored(0, value));

        Assert.Equal(value, _connection.Query("SELECT cost_usd FROM staging", r => r.GetDecimal(0)).Single());
        Assert.Equal(value.ToString("0.000000000", CultureInfo.InvariantCulture), _connection.Query("SELECT cost_usd::VARCHAR FROM staging", r => r.GetString(0)).Single());
        Assert.Equal(1, _connection.ScalarInt64($"SELECT count(*) FROM staging WHERE cost_usd = {text}"));
    }

    [Fact]
    public void Sums_of_costs_stay_exact()
    {
        Append([.. Enumerable.Range(0, 10_000).Select(i => Stored(i, 0.000000001m)), Stored(10_000, 123456789.123456789m)]);
        var (total, type) = _connection.Query("SELECT sum(cost_usd), typeof(sum(cost_usd)) FROM staging", r => (r.GetDecimal(0), r.GetString(1))).Single();
        Assert.Equal("DECIMAL(38,9)", type);
        Assert.Equal(123456789.123466789m, total);
    }

    [Fact]
    public void Costs_past_nine_decimals_round_half_away_from_zero_like_DuckDBs_cast()
    {
        Append(Stored(0, 1.0000000005m), Stored(1, -1.0000000005m), Stored(2, 1.0000000004m), Stored(3, 0.0000000015m));
        Assert.Equal([1.000000001m, -1.000000001m, 1.000000000m, 0.000000002m], _connection.Query("SELECT cost_usd FROM staging ORDER BY event_id", r => r.GetDecimal(0)));
        Assert.Equal(
            _connection.Query("SELECT v::DECIMAL(18,9) FROM (VALUES (1.0000000005), (-1.0000000005), (1.0000000004), (0.0000000015)) t(v)", r => r.GetDecimal(0)),
            _connection.Query("SELECT cost_usd FROM staging ORDER BY event_id", r => r.GetDecimal(0)));
    }

    [Fact]
    public void A_cost_that_does_not_fit_DECIMAL_18_9_throws_instead_of_wrapping()
    {
        var error = Assert.Throws<OverflowException>(() => Append(Stored(0, 1_000_000_000m)));
        Assert.Contains("DECIMAL(18,9)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Any_text_round_trips()
    {
        string[] values =
        [
            "héllo wörld", "日本語のテキスト", "emoji 😀🚀 and ZWJ 👩‍👩‍👧", "tab\tnewline\nquote' double\" backslash\\ \u0001 \r\n",
            "exactly12byt", "thirteen byte", "RTL مرحبا עברית", "%_", new string('x', 100_000), string.Concat(Enumerable.Repeat("ü€😀", 50_000)),
        ];
        Append([.. values.Select((v, i) => Stored(i, null, userId: v, route: v, model: v))]);

        var read = _connection.Query("SELECT user_id, route, model, length(user_id) FROM staging ORDER BY event_id", r => (r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt64(3)));
        Assert.Equal(values, read.Select(r => r.Item1));
        Assert.Equal(values, read.Select(r => r.Item2));
        Assert.Equal(values, read.Select(r => r.Item3));
        Assert.Equal(100_000L, read[8].Item4);
    }

    [Fact]
    public void Timestamps_keep_microseconds_in_UTC_and_drop_sub_microsecond_ticks()
    {
        var offset = new DateTimeOffset(2026, 11, 21, 8, 0, 0, 1, TimeSpan.FromHours(-4)).AddTicks(7);
        Append(Stored(0, null, ts: s_ts.AddTicks(9)), Stored(1, null, ts: offset));

        var rows = _connection.Query("SELECT ts, epoch_us(ts), ts::VARCHAR FROM staging ORDER BY event_id", r => (r.GetFieldValue<DateTimeOffset>(0), r.GetInt64(1), r.GetString(2)));
        Assert.Equal((s_ts, 1795264496123456L, "2026-11-21 12:34:56.123456+00"), rows[0]);
        Assert.Equal(new DateTimeOffset(2026, 11, 21, 12, 0, 0, 1, TimeSpan.Zero), rows[1].Item1);
        Assert.Equal(TimeSpan.Zero, rows[1].Item1.Offset);
    }

    [Fact]
    public void A_timestamptz_is_the_instant_whatever_the_session_time_zone()
    {
        _connection.Execute("SET TimeZone = 'America/New_York'");
        Append(Stored(0, null));
        var (instant, micros, text) = _connection.Query("SELECT ts, epoch_us(ts), ts::VARCHAR FROM staging", r => (r.GetFieldValue<DateTimeOffset>(0), r.GetInt64(1), r.GetString(2))).Single();
        Assert.Equal(s_ts, instant);
        Assert.Equal(1795264496123456L, micros);
        Assert.Equal("2026-11-21 07:34:56.123456-05", text);
    }

    [Fact]
    public void Rows_spanning_many_chunks_are_all_written_with_their_nulls()
    {
        const int Rows = 25_000; // DuckDB's chunks hold 2,048 rows
        Append([.. Enumerable.Range(0, Rows).Select(i => Stored(i, i % 7 == 0 ? null : i / 1000m, userId: i % 5 == 0 ? null : "u" + i))]);

        var rows = _connection.Query("SELECT tokens_in, user_id, cost_usd FROM staging ORDER BY tokens_in", r => (r.GetInt32(0), r.IsDBNull(1) ? null : r.GetString(1), r.IsDBNull(2) ? (decimal?)null : r.GetDecimal(2)));
        Assert.Equal(Rows, rows.Count);
        Assert.Equal(Enumerable.Range(0, Rows).Select(i => (i, i % 5 == 0 ? null : "u" + i, i % 7 == 0 ? (decimal?)null : i / 1000m)), rows);
    }

    [Fact]
    public void A_NOT_NULL_violation_is_DuckDBs_error_and_a_missing_table_names_it()
    {
        _connection.Execute("CREATE TEMP TABLE strict (name VARCHAR NOT NULL)");
        var error = Assert.Throws<DuckDBException>(() =>
        {
            using var appender = _connection.CreateAppender("strict");
            appender.CreateRow().AppendNullValue().EndRow();
        });
        Assert.Contains("NOT NULL constraint failed", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, _connection.ScalarInt64("SELECT count(*) FROM strict"));

        Assert.Contains("ghost", Assert.Throws<DuckDBException>(() => _connection.CreateAppender("ghost")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_part_file_filtered_in_the_scan_finds_every_row_its_statistics_cover()
    {
        // Readers filter parts in the scan, where DuckDB skips row groups by min/max statistics: a writer with wrong
        // statistics (Parquet.Net 6.1.0 writes microsecond timestamps' in milliseconds) loses rows only here.
        Append([.. Enumerable.Range(0, 10).Select(i => Stored(i, i / 100m, userId: "u" + i, ts: s_ts.AddMinutes(i)))]);
        var path = Path.Combine(Path.GetTempPath(), $"lensai-part-{Guid.NewGuid():N}.parquet");
        try
        {
            _connection.Execute($"COPY (SELECT {EventSchema.SelectStored} FROM staging) TO $path (FORMAT PARQUET, COMPRESSION ZSTD)", ("path", path));
            long Count(string where, params (string, object?)[] parameters)
                => _connection.ScalarInt64($"SELECT count(*) FROM read_parquet($path) WHERE {where}", [("path", path), .. parameters]);

            Assert.Equal(5, Count("ts >= $from AND ts < $to", ("from", s_ts.AddMinutes(2)), ("to", s_ts.AddMinutes(7))));
            Assert.Equal(3, Count("ingested_at = $at AND tokens_in < 3", ("at", s_ts.AddSeconds(1))));
            Assert.Equal(4, Count("cost_usd >= 0.06"));
            Assert.Equal(1, Count("user_id = 'u7' AND event_id = 'evt-7'"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private void Append(params StoredEvent[] events)
    {
        using var appender = _connection.CreateAppender("staging");
        foreach (var e in events)
        {
            EventWriter.AppendRow(appender, e);
        }
    }

    private static StoredEvent Stored(int i, decimal? cost, string? userId = null, string? route = null, string model = "gpt-4o-mini-2024-07-18", DateTimeOffset? ts = null)
        => new(
            new UsageEvent
            {
                EventId = "evt-" + i.ToString(CultureInfo.InvariantCulture),
                Timestamp = ts ?? s_ts,
                Provider = "openai",
                Model = model,
                Operation = "chat",
                UserId = userId,
                Route = route,
                TokensIn = i,
                TokensOut = 100,
                LatencyMs = 250,
                Status = UsageStatus.Ok,
                Sdk = "lensai-dotnet/1.0.0",
            },
            "acme",
            cost,
            null,
            null,
            s_ts.AddSeconds(1));
}
