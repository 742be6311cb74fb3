namespace LensAI.Budgets;

/// <summary>
/// What a budget can cover: the wire names of <see cref="BudgetScopeStatus.Scope"/>, used by the backend's budget
/// definitions and by the SDK's kill-switch alike.
/// </summary>
public static class BudgetScopeNames
{
    /// <summary><c>project</c>: every call of the project (no scope value).</summary>
    public const string Project = "project";

    /// <summary><c>user</c>: the calls attributed to one user id (the scope value).</summary>
    public const string User = "user";

    /// <summary><c>route</c>: the calls attributed to one route or feature (the scope value).</summary>
    public const string Route = "route";

    /// <summary><c>model</c>: the calls to one model (the scope value), its dated snapshots included.</summary>
    public const string Model = "model";

    /// <summary><c>metadata</c>: the calls whose metadata holds one <c>key=value</c> pair (the scope value).</summary>
    public const string Metadata = "metadata";

    /// <summary>Every scope name, in the order above.</summary>
    public static IReadOnlyList<string> All { get; } = [Project, User, Route, Model, Metadata];
}
