using System.Text.Json;
using System.Text.Json.Serialization;

namespace LensAI;

/// <summary>Reads and writes <see cref="UsageStatus"/> as its wire name (<see cref="UsageStatusNames"/>).</summary>
internal sealed class UsageStatusJsonConverter : JsonConverter<UsageStatus>
{
    public override UsageStatus Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString();
        return text is not null && UsageStatusNames.TryParse(text, out var status)
            ? status
            : throw new JsonException($"'{text}' is not a usage status; expected ok, rate_limited, error or blocked.");
    }

    public override void Write(Utf8JsonWriter writer, UsageStatus value, JsonSerializerOptions options)
        => writer.WriteStringValue(value.ToWireName());
}
