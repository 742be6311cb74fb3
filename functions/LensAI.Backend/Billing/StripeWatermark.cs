using System.Text.Json.Serialization;

namespace LensAI.Backend.Billing;

internal sealed record StripeWatermark(
    [property: JsonPropertyName("through")] DateTimeOffset Through,
    [property: JsonPropertyName("last_errors")] IReadOnlyList<string> LastErrors);
