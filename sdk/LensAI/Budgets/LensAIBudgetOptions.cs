namespace LensAI;

/// <summary>
/// How the SDK enforces the project's budgets (the kill-switch). Bound from the configuration section
/// <c>LensAI:Budgets</c>; validated with the other options when the client is created.
/// </summary>
/// <remarks>
/// The budgets themselves (limits, scopes, periods, overrides) are defined on the backend. The SDK polls their state
/// from <c>GET {Endpoint}/v1/budgets/status</c> and adds its own in-process spend and in-flight calls, so a budget
/// stops calls at once, before the next backend check. Without an <see cref="LensAIOptions.Endpoint"/> there is no
/// budget to enforce and nothing is ever blocked.
/// </remarks>
public sealed class LensAIBudgetOptions
{
    /// <summary>
    /// Whether budgets are enforced. Default <see langword="true"/>; it takes effect only when
    /// <see cref="LensAIOptions.Endpoint"/> is set (the budgets live on the backend).
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// What happens to a call in a scope whose budget (action <c>block</c>) is exhausted.
    /// Default <see cref="BudgetEnforcementMode.Block"/>.
    /// </summary>
    public BudgetEnforcementMode Mode { get; set; } = BudgetEnforcementMode.Block;

    /// <summary>
    /// How often the budget status is polled (a conditional GET: unchanged status costs a 304). Default 30 s;
    /// at least 1 s. The first poll happens when the client is created.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The output tokens assumed for a call's in-flight cost estimate when its request names no output cap
    /// (<c>max_tokens</c>, <c>max_completion_tokens</c>, <c>max_output_tokens</c>, <c>maxOutputTokens</c>,
    /// <c>ChatOptions.MaxOutputTokens</c>). Default 4096.
    /// </summary>
    public int DefaultMaxOutputTokens { get; set; } = 4096;

    internal void Validate(List<string> errors)
    {
        if (!Enum.IsDefined(Mode))
        {
            errors.Add($"LensAI:Budgets:Mode must be Block or Warn; got {Mode}.");
        }

        if (PollInterval < TimeSpan.FromSeconds(1))
        {
            errors.Add($"LensAI:Budgets:PollInterval must be at least 1 second; got {PollInterval}.");
        }

        if (DefaultMaxOutputTokens <= 0)
        {
            errors.Add($"LensAI:Budgets:DefaultMaxOutputTokens must be positive; got {DefaultMaxOutputTokens}.");
        }
    }
}
