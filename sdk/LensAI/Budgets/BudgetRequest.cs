namespace LensAI.Budgets;

/// <summary>What the budget guard needs to know about a call before it is sent.</summary>
/// <param name="Provider">The provider (selects the price of the estimate).</param>
/// <param name="Model">The requested model, if known.</param>
/// <param name="Attribution">The call's user, route and metadata.</param>
/// <param name="InputTokens">Estimated input tokens (request body bytes / 4, or prompt characters / 4).</param>
/// <param name="MaxOutputTokens">The request's output cap, if it names one.</param>
internal readonly record struct BudgetRequest(string Provider, string? Model, Attribution Attribution, int InputTokens, int? MaxOutputTokens);
