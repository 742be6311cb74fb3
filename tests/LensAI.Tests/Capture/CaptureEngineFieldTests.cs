using LensAI.Capture;
using LensAI.Pricing;
using LensAI.Testing;

namespace LensAI.Tests.Capture;

/// <summary>The SDK's capture side against the contract's one table of fields: a recorded event sets every field the SDK owns.</summary>
public sealed class CaptureEngineFieldTests
{
    [Fact]
    public async Task A_recorded_event_sets_every_field_of_the_table_but_the_ones_set_on_ingest()
    {
        var sample = UsageEventSamples.Full();
        await using var client = new TestClient();
        var e = client.Lens.Engine.Record(new CapturedCall(
            sample.Provider, sample.Model, sample.Operation, sample.Stream, sample.Usage, sample.Status, sample.HttpStatus,
            sample.Timestamp.AddTicks(7), sample.LatencyMs, sample.TtftMs, sample.RequestId, new Attribution(sample.UserId, sample.Route, sample.Metadata),
            UsageEstimated: sample.UsageEstimated));

        Assert.True(PriceCatalog.Default.TryCalculate(sample.Provider, sample.Model, sample.Usage, out var cost, out var priceVersion));
        foreach (var field in UsageEventFields.All)
        {
            var expected = field.Name switch
            {
                "event_id" => e.EventId, // a new ULID, checked below
                "cost_usd" => cost,
                "price_version" => priceVersion,
                "sdk" => CaptureEngine.SdkName,
                _ => field.IsSetOnIngest ? null : field.GetValue(sample), // ts: the sub-microsecond ticks are dropped
            };
            UsageEventSamples.AssertSameValue(field, expected, field.GetValue(e));
        }

        Assert.Equal(26, e.EventId.Length);
        Assert.Same(e, Assert.Single(client.Events));
    }
}
