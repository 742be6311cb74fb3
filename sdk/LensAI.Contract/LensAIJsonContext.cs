using System.Text.Json.Serialization;

namespace LensAI;

/// <summary>System.Text.Json source-generated metadata for the LensAI contract (no reflection at run time).</summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    GenerationMode = JsonSourceGenerationMode.Default)]
[JsonSerializable(typeof(UsageEvent))]
[JsonSerializable(typeof(UsageEventBatch))]
[JsonSerializable(typeof(List<UsageEvent>))]
[JsonSerializable(typeof(Dictionary<string, string>))]
public sealed partial class LensAIJsonContext : JsonSerializerContext
{
}
