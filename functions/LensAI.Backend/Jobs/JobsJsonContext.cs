using System.Text.Json;
using System.Text.Json.Serialization;
using LensAI.Backend.Storage;

namespace LensAI.Backend.Jobs;

[JsonSerializable(typeof(LeaseRecord))]
internal sealed partial class JobsJsonContext : JsonSerializerContext;
