using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using LensAI.Backend.DuckDb;
using LensAI.Backend.Jobs;
using LensAI.Backend.Parquet;
using LensAI.Backend.Storage;
using Microsoft.Extensions.Logging;

namespace LensAI.Backend.Billing;

internal sealed record StripeWatermark(
    [property: JsonPropertyName("through")] DateTimeOffset Through,
    [property: JsonPropertyName("last_errors")] IReadOnlyList<string> LastErrors);
