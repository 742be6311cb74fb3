namespace LensAI.Backend.Budgets;

/// <summary>A budgets file was refused; every problem is named by JSON pointer.</summary>
internal sealed class BudgetValidationException(IReadOnlyList<(string Pointer, string Message)> errors)
    : Exception("Invalid budgets: " + string.Join(" ", errors.Select(e => $"{e.Pointer} {e.Message}")))
{
    public IReadOnlyList<(string Pointer, string Message)> Errors { get; } = errors;
}
