using LensAI.Budgets;

namespace LensAI.Capture;

/// <summary>Everything captured about one call, before pricing (a value: one less object per call).</summary>
internal readonly record struct CapturedCall(
    string Provider,
    string Model,
    string Operation,
    bool Stream,
    TokenUsage Usage,
    UsageStatus Status,
    int? HttpStatus,
    DateTimeOffset Start,
    int LatencyMs,
    int? TtftMs,
    string? ResponseId,
    Attribution Attribution,
    BudgetReservation? Reservation = null,
    bool UsageEstimated = false);
