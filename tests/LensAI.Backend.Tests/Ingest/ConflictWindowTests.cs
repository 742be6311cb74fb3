using LensAI.Backend.Ingest;
using LensAI.Testing;

namespace LensAI.Backend.Tests.Ingest;

public sealed class ConflictWindowTests
{
    [Fact]
    public void Every_field_of_the_table_but_the_ids_counts_in_the_fingerprint()
    {
        var full = UsageEventSamples.Full();
        foreach (var field in UsageEventFields.All.Where(f => f.Name is not ("event_id" or "project_id")))
        {
            var property = typeof(UsageEvent).GetProperty(field.PropertyName)!;
            var changed = full with { };
            property.SetValue(changed, Other(property.GetValue(full)));
            Assert.True(ConflictWindow.Fingerprint(full) != ConflictWindow.Fingerprint(changed), field.Name);
        }

        Assert.Equal(ConflictWindow.Fingerprint(full), ConflictWindow.Fingerprint(full with { ProjectId = "other" }));
    }

    [Fact]
    public void A_retry_is_no_conflict_other_content_is_and_the_window_forgets_the_oldest()
    {
        var window = new ConflictWindow(capacity: 2);
        var a = UsageEventSamples.Full() with { EventId = "a" };
        Assert.Equal(0, window.Record("acme", [a, a]));
        Assert.Equal(1, window.Record("acme", [a with { TokensOut = a.TokensOut + 1 }]));
        Assert.Equal(0, window.Record("globex", [a with { TokensOut = 1 }])); // ids are per project
        Assert.Equal(0, window.Record("acme", [a with { EventId = "b" }, a with { EventId = "c" }]));
        Assert.Equal(0, window.Record("acme", [a with { TokensOut = 7 }])); // "a" was forgotten: the window holds two
    }

    private static object? Other(object? value) => value switch
    {
        string s => s + "x",
        int i => i + 1,
        bool b => !b,
        decimal d => d + 1,
        DateTimeOffset t => t.AddSeconds(1),
        UsageStatus s => s == UsageStatus.Ok ? UsageStatus.Error : UsageStatus.Ok,
        IReadOnlyDictionary<string, string> m => new Dictionary<string, string>(m) { ["another"] = "entry" },
        null => "x",
        _ => throw new InvalidOperationException($"No other value for {value.GetType()}"),
    };
}
