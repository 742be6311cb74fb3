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

    /// <summary>
    /// The input price, in USD per 1M tokens, assumed for a call's in-flight estimate when the catalogue cannot price its
    /// model (a private deployment, a model newer than the catalogue), so that a budget can hold it back before it is
    /// sent. Default 15 (with <see cref="UnpricedOutputPerMillion"/>: the rates of the dearest common models); 0 estimates
    /// such calls at $0, as before. The call's recorded cost is still what the catalogue or an override gives it.
    /// </summary>
    public decimal UnpricedInputPerMillion { get; set; } = 15m;

    /// <summary>
    /// The output price, in USD per 1M tokens, assumed for an unpriced model's in-flight estimate. Default 75. See
    /// <see cref="UnpricedInputPerMillion"/>.
    /// </summary>
    public decimal UnpricedOutputPerMillion { get; set; } = 75m;

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

        if (UnpricedInputPerMillion is < 0 or > 1_000_000m)
        {
            errors.Add($"LensAI:Budgets:UnpricedInputPerMillion must be between 0 and 1000000 USD per 1M tokens; got {UnpricedInputPerMillion}.");
        }

        if (UnpricedOutputPerMillion is < 0 or > 1_000_000m)
        {
            errors.Add($"LensAI:Budgets:UnpricedOutputPerMillion must be between 0 and 1000000 USD per 1M tokens; got {UnpricedOutputPerMillion}.");
        }
    }
}
