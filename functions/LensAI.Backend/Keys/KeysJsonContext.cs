using System.Text.Json.Serialization;

namespace LensAI.Backend.Keys;

[JsonSerializable(typeof(KeyFile))]
[JsonSourceGenerationOptions(WriteIndented = true)]
internal sealed partial class KeysJsonContext : JsonSerializerContext;
