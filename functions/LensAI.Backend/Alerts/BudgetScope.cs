namespace LensAI.Backend.Alerts;

/// <summary>What a budget applies to: a kind (<c>project</c>, <c>user</c>, <c>route</c>, <c>model</c>, <c>metadata</c>) and, except for the whole project, a value.</summary>
/// <param name="Kind">The scope kind, e.g. <c>user</c>.</param>
/// <param name="Value">The scoped value, e.g. <c>alice</c>; <c>team=search</c> for a metadata scope; null for <c>project</c>.</param>
internal sealed record BudgetScope(string Kind, string? Value = null)
{
    /// <summary>The whole project.</summary>
    public static BudgetScope Project { get; } = new("project");

    /// <summary><c>user alice</c>, <c>metadata team=search</c>, or <c>project</c>.</summary>
    public override string ToString() => string.IsNullOrEmpty(Value) ? Kind : Kind + " " + Value;
}
