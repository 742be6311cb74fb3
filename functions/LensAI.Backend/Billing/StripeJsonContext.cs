using System.Text.Json.Serialization;

namespace LensAI.Backend.Billing;

[JsonSerializable(typeof(StripeCustomerMap))]
[JsonSerializable(typeof(StripeWatermark))]
[JsonSourceGenerationOptions(WriteIndented = true)]
internal sealed partial class StripeJsonContext : JsonSerializerContext;
