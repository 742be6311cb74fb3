using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using LensAI.Backend.DuckDb;
using LensAI.Backend.Jobs;
using LensAI.Backend.Parquet;
using LensAI.Backend.Storage;
using Microsoft.Extensions.Logging;

namespace LensAI.Backend.Billing;

[JsonSerializable(typeof(StripeCustomerMap))]
[JsonSerializable(typeof(StripeWatermark))]
[JsonSourceGenerationOptions(WriteIndented = true)]
internal sealed partial class StripeJsonContext : JsonSerializerContext;
