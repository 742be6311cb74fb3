using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DuckDB.NET.Data;
using LensAI.Backend.DuckDb;
using LensAI.Backend.Ingest;
using LensAI.Backend.Parquet;
using LensAI.Backend.Tests.DuckDb;
using LensAI.Testing;

namespace LensAI.Backend.Tests.Contract;

/// <summary>
/// The backend's reader, redactor, Parquet schema and row writer against the contract's one table of fields
/// (<see cref="UsageEventFields.All"/>): a field added to the table fails here until each of them handles it.
/// </summary>
public sealed class FieldTableTests : IDisposable
{
    private static readonly UsageEvent s_full = UsageEventSamples.Full();
    private static readonly DateTimeOffset s_now = s_full.Timestamp.AddMinutes(1);
    private readonly DuckDbTempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static BatchReadResult Read(JsonObject e)
        => EventBatchReader.Read(Encoding.UTF8.GetBytes(new JsonObject { ["events"] = new JsonArray(e) }.ToJsonString()), new IngestLimits(), s_now);

    /// <summary>The full sample as the SDK puts it on the wire.</summary>
    private static JsonObject Wire() => JsonNode.Parse(JsonSerializer.Serialize(s_full, LensAIJsonContext.Default.UsageEvent))!.AsObject();

    [Fact]
    public void The_reader_reads_every_field_of_the_table_and_ignores_the_ones_set_on_ingest()
    {
        var e = Assert.Single(Read(Wire()).Accepted);
        Assert.All(UsageEventFields.All, f => UsageEventSamples.AssertSameValue(f, f.IsSetOnIngest ? null : f.GetValue(s_full), f.GetValue(e)));
        Assert.Contains(UsageEventFields.All, f => f.IsSetOnIngest);
    }

    [Fact]
    public void The_reader_requires_exactly_the_fields_the_table_requires()
    {
        foreach (var field in UsageEventFields.All)
        {
            var wire = Wire();
            Assert.True(wire.Remove(field.Name), field.Name);
            var read = Read(wire);
            if (field.IsRequired)
            {
                var error = Assert.Single(Assert.Single(read.Rejected).Errors);
                Assert.Equal(("/events/0/" + field.Name, "is required."), (error.Pointer, error.Message));
            }
            else
            {
                // Accepted, or refused only by a rule between counts (tokens_cache_write_1h over a missing tokens_cache_write's 0).
                var errors = read.Rejected.SelectMany(r => r.Errors).ToList();
                Assert.True(errors.All(x => x.Message != "is required." && x.Message.Contains(field.Name, StringComparison.Ordinal)), $"{field.Name} is optional, yet: {string.Join("; ", errors)}");
            }
        }
    }

    [Fact]
    public void The_reader_limits_each_text_field_to_its_max_length()
    {
        foreach (var field in UsageEventFields.All.Where(f => f.MaxLength is not null && !f.IsSetOnIngest))
        {
            var longest = Wire();
            longest[field.Name] = new string('a', field.MaxLength!.Value);
            Assert.True(Read(longest).Accepted.Count == 1, field.Name);

            var tooLong = Wire();
            tooLong[field.Name] = new string('a', field.MaxLength.Value + 1);
            var error = Assert.Single(Assert.Single(Read(tooLong).Rejected).Errors);
            Assert.Equal("/events/0/" + field.Name, error.Pointer);
            Assert.Contains($"longer than {field.MaxLength}", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_redactor_redacts_the_fields_the_table_marks_and_keeps_every_other_field()
    {
        const string Dirty = "mail jane.doe@example.com now";
        var dirty = s_full with
        {
            RequestId = Dirty, UserId = Dirty, Route = Dirty, Provider = Dirty, Model = Dirty, Operation = Dirty, PriceVersion = Dirty, Sdk = Dirty,
            Metadata = new Dictionary<string, string> { ["note"] = Dirty },
        };
        var clean = new PiiRedactor(new RedactionOptions()).Apply(dirty, out var redactions);

        Assert.Equal(UsageEventFields.All.Count(f => f.IsRedacted), redactions);
        foreach (var field in UsageEventFields.All)
        {
            var before = field.GetValue(dirty);
            var after = field.GetValue(clean);
            if (!field.IsRedacted)
            {
                UsageEventSamples.AssertSameValue(field, before, after);
            }
            else if (after is IReadOnlyDictionary<string, string> map)
            {
                Assert.Equal("mail [email] now", map["note"]);
            }
            else
            {
                Assert.Equal("mail [email] now", after);
            }
        }
    }

    [Fact]
    public void The_writer_stores_every_field_of_the_table_in_its_column_with_its_type()
    {
        var stored = new StoredEvent(s_full with { ProjectId = null }, "acme", s_full.CostUsd, s_full.PriceVersion, "catalog", s_now);
        var file = _folder.File("part.parquet");
        using var duckDb = new DuckDbConnectionFactory();
        using var connection = duckDb.Open();
        connection.Execute($"CREATE TEMP TABLE staging ({EventSchema.StagingColumns})");
        using (var appender = connection.CreateAppender("staging"))
        {
            EventWriter.AppendRow(appender, stored);
        }

        connection.Execute($"COPY (SELECT {EventSchema.SelectStored} FROM staging) TO $path (FORMAT PARQUET, COMPRESSION ZSTD)", ("path", file));

        var types = connection.Query("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet($path))", r => (r.GetString(0), r.GetString(1)), ("path", file));
        Assert.Equal(
            [.. UsageEventFields.All.Select(f => (f.Name, f.ColumnType == "TIMESTAMPTZ" ? "TIMESTAMP WITH TIME ZONE" : f.ColumnType)), ("cost_source", "VARCHAR"), ("ingested_at", "TIMESTAMP WITH TIME ZONE")],
            types);
        Assert.Equal(EventSchema.Columns, types.Select(t => t.Item1));

        using var command = connection.Command("SELECT * FROM read_parquet($path)", ("path", file));
        using var reader = command.ExecuteReader();
        Assert.True(reader.Read());
        foreach (var field in UsageEventFields.All)
        {
            var ordinal = reader.GetOrdinal(field.Name);
            object? expected = field.Name switch
            {
                "project_id" => "acme",
                _ => field.GetValue(s_full),
            };
            object? actual = field.ClrType switch
            {
                var t when t == typeof(DateTimeOffset) => reader.GetFieldValue<DateTimeOffset>(ordinal),
                var t when t == typeof(UsageStatus) => UsageStatusNames.TryParse(reader.GetString(ordinal), out var status) ? status : reader.GetString(ordinal),
                var t when t == typeof(IReadOnlyDictionary<string, string>) => reader.GetFieldValue<Dictionary<string, string>>(ordinal),
                _ => reader.GetValue(ordinal),
            };
            UsageEventSamples.AssertSameValue(field, expected, actual);
        }

        Assert.False(reader.Read());
    }
}
