using System.Text.Json.Serialization;

namespace LensAI.Backend.Jobs;

[JsonSerializable(typeof(LeaseRecord))]
internal sealed partial class JobsJsonContext : JsonSerializerContext;
