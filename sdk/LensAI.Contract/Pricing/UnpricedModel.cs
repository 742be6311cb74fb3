namespace LensAI.Pricing;

/// <summary>A model the catalogue deliberately leaves unpriced, and why.</summary>
/// <param name="Provider">The provider.</param>
/// <param name="Model">The model name.</param>
/// <param name="Reason">Why no price is given (e.g. no public list price found).</param>
public sealed record UnpricedModel(string Provider, string Model, string Reason);
