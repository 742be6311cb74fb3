using System.Text.Json.Serialization;

namespace LensAI.Backend.Rollups;

/// <summary>
/// The persisted part of a project's spend rollup (<c>_system/spend-rollup/&lt;project&gt;.json</c>): the spend of every
/// event ingested at or before <see cref="Watermark"/>, by budget period window (current and later ones only),
/// dimension and key, plus each user's latest tier. Written with a conditional write by the budget check.
/// </summary>
internal sealed class SpendRollupFile
{
    /// <summary>What the rows were built for (time zone, period kinds, metadata scopes, tier key): another set rebuilds them.</summary>
    [JsonPropertyName("signature")]
    public string Signature { get; set; } = "";

    /// <summary>Every event whose <c>ingested_at</c> is at or before this instant is counted in the rows; null before the first build.</summary>
    [JsonPropertyName("watermark")]
    public DateTimeOffset? Watermark { get; set; }

    [JsonPropertyName("rows")]
    public List<SpendRollupRow> Rows { get; set; } = [];

    [JsonPropertyName("tiers")]
    public List<SpendRollupTier> Tiers { get; set; } = [];
}
