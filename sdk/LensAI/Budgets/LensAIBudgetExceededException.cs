namespace LensAI;

/// <summary>
/// Thrown before a call is sent when a LensAI budget with action <c>block</c> is exhausted for the call's scope.
/// No request reached the provider; the call is recorded with status <c>blocked</c>.
/// </summary>
public sealed class LensAIBudgetExceededException : Exception
{
    /// <summary>Creates the exception.</summary>
    public LensAIBudgetExceededException()
        : this("A LensAI budget blocked this call.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public LensAIBudgetExceededException(string message)
        : base(message)
    {
        BudgetId = "";
        Scope = "";
        Period = "";
    }

    /// <summary>Creates the exception with a message and inner exception.</summary>
    public LensAIBudgetExceededException(string message, Exception innerException)
        : base(message, innerException)
    {
        BudgetId = "";
        Scope = "";
        Period = "";
    }

    internal LensAIBudgetExceededException(string budgetId, string scope, string? scopeValue, string period, DateTimeOffset resetsAt, string detail)
        : base($"LensAI budget '{budgetId}' ({scope}{(scopeValue is null ? "" : " " + scopeValue)}, {period}) is exhausted until {resetsAt:u}: {detail}")
    {
        BudgetId = budgetId;
        Scope = scope;
        ScopeValue = scopeValue;
        Period = period;
        ResetsAt = resetsAt;
    }

    /// <summary>The budget that blocked the call.</summary>
    public string BudgetId { get; }

    /// <summary>The budget's scope kind: <c>project</c>, <c>user</c>, <c>route</c>, <c>model</c> or <c>metadata</c>.</summary>
    public string Scope { get; }

    /// <summary>The scope's value (user id, route, model, <c>key=value</c>), or null for the project.</summary>
    public string? ScopeValue { get; }

    /// <summary><c>daily</c>, <c>weekly</c> or <c>monthly</c>.</summary>
    public string Period { get; }

    /// <summary>When the period ends and the budget resets.</summary>
    public DateTimeOffset ResetsAt { get; }

    /// <summary>A message safe to show end users: no amounts, no internal names.</summary>
    public string UserMessage => ResetsAt == default
        ? "The usage limit for this feature has been reached. Please try again later."
        : $"The usage limit for this feature has been reached. It resets at {ResetsAt:u}.";
}
