using System.Text.Json.Serialization;

namespace LensAI.Backend.Budgets;

/// <summary>An alert waiting for delivery.</summary>
internal sealed class PendingAlert
{
    [JsonPropertyName("alert")]
    public required BudgetAlertData Alert { get; set; }

    /// <summary>The channel this entry delivers to (<c>slack</c>, <c>webhook</c>, <c>log</c>): one entry per channel, so a
    /// retry on one channel never re-sends on another.</summary>
    [JsonPropertyName("channel")]
    public string Channel { get; set; } = "log";

    [JsonPropertyName("attempts")]
    public int Attempts { get; set; }

    /// <summary>The instance sending it now (claimed with a conditional write, so two instances never both send it).</summary>
    [JsonPropertyName("claimed_by")]
    public string? ClaimedBy { get; set; }

    [JsonPropertyName("claimed_until")]
    public DateTimeOffset? ClaimedUntil { get; set; }

    [JsonPropertyName("next_attempt_at")]
    public DateTimeOffset? NextAttemptAt { get; set; }

    [JsonPropertyName("last_error")]
    public string? LastError { get; set; }
}
