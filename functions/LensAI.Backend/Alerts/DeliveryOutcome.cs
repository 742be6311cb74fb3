namespace LensAI.Backend.Alerts;

/// <summary>The end of a delivery: the deciding attempt, how many were made, and a message for the caller.</summary>
internal readonly record struct DeliveryOutcome(AttemptOutcome Last, int Attempts, string Message);
