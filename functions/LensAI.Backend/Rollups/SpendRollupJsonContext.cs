using System.Text.Json.Serialization;

namespace LensAI.Backend.Rollups;

[JsonSerializable(typeof(SpendRollupFile))]
internal sealed partial class SpendRollupJsonContext : JsonSerializerContext;
