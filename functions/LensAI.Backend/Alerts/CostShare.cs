namespace LensAI.Backend.Alerts;

/// <summary>A name (model, user) and the cost it drove in the period.</summary>
/// <param name="Name">The model id or user id.</param>
/// <param name="CostUsd">Its cost in the period, USD.</param>
internal sealed record CostShare(string Name, decimal CostUsd);
