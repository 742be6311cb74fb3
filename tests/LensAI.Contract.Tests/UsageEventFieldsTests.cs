using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using LensAI.Testing;

namespace LensAI.Contract.Tests;

/// <summary>
/// The one table of event fields against <see cref="UsageEvent"/> and its JSON: every property is a row, every row
/// round-trips through the wire format. A new field fails here until it has a row, a property and a sample value.
/// </summary>
public sealed partial class UsageEventFieldsTests
{
    [Fact]
    public void Every_serialized_property_of_UsageEvent_is_a_row_of_the_table_in_declaration_order()
    {
        var properties = typeof(UsageEvent).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetCustomAttribute<JsonIgnoreAttribute>() is null)
            .OrderBy(p => p.MetadataToken)
            .Select(p => (Name: p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name, Property: p.Name, Type: p.PropertyType))
            .ToList();

        Assert.Equal(properties, UsageEventFields.All.Select(f => ((string?)f.Name, f.PropertyName, f.ClrType)));
    }

    [Fact]
    public void The_rows_are_consistent()
    {
        Assert.Equal(UsageEventFields.All.Count, UsageEventFields.All.Select(f => f.Name).Distinct().Count());
        Assert.True(UsageEventFields.All.Count < 64, "the backend's reader keeps a bit per field");
        Assert.All(UsageEventFields.All, f =>
        {
            Assert.Matches(SnakeCase(), f.Name);
            Assert.Same(f, UsageEventFields.Find(f.Name));
            Assert.Equal(f.Name, f.ToString());
            Assert.False(f.IsRequired && f.IsNullable, $"{f.Name}: a required field cannot be null");
            Assert.False(f.IsRequired && f.IsSetOnIngest, $"{f.Name}: a field the backend sets is not required from the SDK");
            Assert.Equal(f.ClrType == typeof(string), f.MaxLength is not null);
            Assert.False(f.IsRedacted && f.ClrType != typeof(string) && f.ColumnType != "MAP(VARCHAR, VARCHAR)", $"{f.Name}: only text is redacted");
            Assert.False(f.IsNullable && f.ClrType.IsValueType && Nullable.GetUnderlyingType(f.ClrType) is null, $"{f.Name}: a nullable column needs a nullable property");
            Assert.False(!f.IsNullable && Nullable.GetUnderlyingType(f.ClrType) is not null, $"{f.Name}: a nullable property needs a nullable column");
        });
        Assert.Null(UsageEventFields.Find("Event_Id"));
        Assert.Null(UsageEventFields.Find("cost_source")); // the backend's own column, not the event's
    }

    [Fact]
    public void Every_field_round_trips_through_JSON_under_its_name()
    {
        var e = UsageEventSamples.Full();
        var json = JsonSerializer.Serialize(e, LensAIJsonContext.Default.UsageEvent);
        using (var document = JsonDocument.Parse(json))
        {
            Assert.Equal(UsageEventFields.All.Select(f => f.Name), document.RootElement.EnumerateObject().Select(p => p.Name));
            Assert.All(document.RootElement.EnumerateObject(), p => Assert.NotEqual(JsonValueKind.Null, p.Value.ValueKind));
        }

        var back = JsonSerializer.Deserialize(json, LensAIJsonContext.Default.UsageEvent)!;
        Assert.All(UsageEventFields.All, f => UsageEventSamples.AssertSameValue(f, f.GetValue(e), f.GetValue(back)));

        var batch = JsonSerializer.Deserialize(
            JsonSerializer.Serialize(new UsageEventBatch { Events = [e, e with { EventId = "second" }] }, LensAIJsonContext.Default.UsageEventBatch),
            LensAIJsonContext.Default.UsageEventBatch)!;
        Assert.Equal(["01JD5W3Y1J8Z6XG0E8X9R4T2QK", "second"], batch.Events.Select(x => x.EventId));
        Assert.All(UsageEventFields.All.Where(f => f.Name != "event_id"), f => UsageEventSamples.AssertSameValue(f, f.GetValue(e), f.GetValue(batch.Events[1])));
    }

    [Fact]
    public void Nullable_fields_round_trip_as_null_and_the_rest_keep_their_defaults()
    {
        var e = UsageEventSamples.Full() with { ProjectId = null, RequestId = null, UserId = null, Route = null, CostUsd = null, PriceVersion = null, ServiceTier = null, TtftMs = null, HttpStatus = null, Metadata = null };
        Assert.All(UsageEventFields.All.Where(f => f.IsNullable), f => Assert.Null(f.GetValue(e)));

        var json = JsonSerializer.Serialize(e, LensAIJsonContext.Default.UsageEvent);
        using var document = JsonDocument.Parse(json);
        Assert.All(UsageEventFields.All.Where(f => f.IsNullable), f => Assert.Equal(JsonValueKind.Null, document.RootElement.GetProperty(f.Name).ValueKind));
        var back = JsonSerializer.Deserialize(json, LensAIJsonContext.Default.UsageEvent)!;
        Assert.All(UsageEventFields.All, f => UsageEventSamples.AssertSameValue(f, f.GetValue(e), f.GetValue(back)));
    }

    [Fact]
    public void ToString_names_the_call_but_never_its_attribution()
    {
        var e = UsageEventSamples.Full();
        var text = e.ToString();
        Assert.StartsWith("UsageEvent { EventId = " + e.EventId, text, StringComparison.Ordinal);
        Assert.Contains(e.Model, text, StringComparison.Ordinal);
        foreach (var field in UsageEventFields.All.Where(f => f.IsAttribution))
        {
            var values = field.GetValue(e) is IReadOnlyDictionary<string, string> map ? map.Values : [(string)field.GetValue(e)!];
            Assert.All(values, v => Assert.DoesNotContain(v, text, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Status_goes_on_the_wire_by_its_name()
    {
        foreach (var status in Enum.GetValues<UsageStatus>())
        {
            var json = JsonSerializer.Serialize(UsageEventSamples.Full() with { Status = status }, LensAIJsonContext.Default.UsageEvent);
            Assert.Contains($"\"status\":\"{status.ToWireName()}\"", json, StringComparison.Ordinal);
            Assert.True(UsageStatusNames.TryParse(status.ToWireName(), out var parsed));
            Assert.Equal(status, parsed);
        }

        var bad = JsonSerializer.Serialize(UsageEventSamples.Full(), LensAIJsonContext.Default.UsageEvent).Replace("\"rate_limited\"", "\"Rate_Limited\"", StringComparison.Ordinal);
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize(bad, LensAIJsonContext.Default.UsageEvent));
    }

    [GeneratedRegex("^[a-z][a-z0-9]*(_[a-z0-9]+)*$")]
    private static partial Regex SnakeCase();
}
