using System.Text.Json.Serialization;

namespace LensAI.Backend.Budgets;

/// <summary>
/// The delivery record of one monthly summary e-mail (<c>_system/summaries/&lt;project&gt;/&lt;yyyy-MM&gt;/&lt;hash of its key&gt;.json</c>),
/// written with conditional writes: claimed before sending, then sent or failed, so re-runs, restarts and concurrent
/// instances send each summary once.
/// </summary>
internal sealed class SummaryRecord
{
    /// <summary><c>claimed</c>, <c>sent</c>, <c>retry</c> (a transient failure: the next run sends it) or <c>failed</c> (refused for good: not sent again).</summary>
    [JsonPropertyName("status")]
    public string Status { get; set; } = "claimed";

    [JsonPropertyName("claimed_until")]
    public DateTimeOffset? ClaimedUntil { get; set; }

    [JsonPropertyName("attempts")]
    public int Attempts { get; set; }

    [JsonPropertyName("updated_at")]
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>What the SMTP server said last, for an operator (never a password).</summary>
    [JsonPropertyName("last_error")]
    public string? LastError { get; set; }
}

[JsonSerializable(typeof(SummaryRecord))]
internal sealed partial class SummaryJsonContext : JsonSerializerContext;
