using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using LensAI.Backend.Storage;

namespace LensAI.Backend.Keys;

[JsonSerializable(typeof(KeyFile))]
[JsonSourceGenerationOptions(WriteIndented = true)]
internal sealed partial class KeysJsonContext : JsonSerializerContext;
