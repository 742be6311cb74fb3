using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using LensAI.Backend.Storage;

namespace LensAI.Backend.Keys;

internal sealed record KeyFile([property: JsonPropertyName("keys")] IReadOnlyList<ApiKeyRecord> Keys);
