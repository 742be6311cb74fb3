namespace LensAI.Shipping;

internal readonly record struct ShipResult(ShipOutcome Outcome, int RejectedEvents = 0, string? Detail = null);
