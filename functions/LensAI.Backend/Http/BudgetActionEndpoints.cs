using System.Text.Json;
using LensAI.Backend.Budgets;
using Microsoft.AspNetCore.Http;

namespace LensAI.Backend.Http;

/// <summary>
/// <c>POST /v1/budgets/{id}/override</c>, <c>/raise</c> and <c>/reset</c> (admin scope): what the Slack buttons do,
/// without Slack. The JSON body carries a required <c>reason</c>, an optional <c>scope_value</c> (the user of a default
/// per-user budget), and for a raise either <c>percent</c> or <c>limit_usd</c>. The answer is the audit entry written,
/// with the limit and override before and after.
/// </summary>
internal sealed class BudgetActionEndpoints(BudgetActions actions)
{
    /// <summary>The longest reason kept (longer ones are refused, so the log never grows with the input).</summary>
    public const int MaxReasonLength = 500;

    /// <summary><c>POST /v1/budgets/{id}/override</c>.</summary>
    public Task<IResult> OverrideAsync(HttpContext http)
        => HandleAsync(http, "override", (request, ct) => actions.OverrideAsync(request.Project, request.BudgetId, request.ScopeValue, request.Actor, request.Reason, ct));

    /// <summary><c>POST /v1/budgets/{id}/raise</c>.</summary>
    public Task<IResult> RaiseAsync(HttpContext http)
        => HandleAsync(http, "raise", (request, ct) => request.LimitUsd is { } limit
            ? actions.SetLimitAsync(request.Project, request.BudgetId, request.ScopeValue, limit, request.Actor, request.Reason, ct)
            : actions.RaiseAsync(request.Project, request.BudgetId, request.ScopeValue, request.Percent!.Value, request.Actor, request.Reason, ct));

    /// <summary><c>POST /v1/budgets/{id}/reset</c>.</summary>
    public Task<IResult> ResetAsync(HttpContext http)
        => HandleAsync(http, "reset", (request, ct) => actions.ResetAsync(request.Project, request.BudgetId, request.ScopeValue, request.Actor, request.Reason, ct));

    private static async Task<IResult> HandleAsync(HttpContext http, string action, Func<ActionRequest, CancellationToken, Task<AuditEntry>> apply)
    {
        ArgumentNullException.ThrowIfNull(http);
        var caller = ApiCaller.Of(http);
        var (body, refusal) = await RequestBody.ReadSmallJsonAsync(http.Request, http.RequestAborted).ConfigureAwait(false);
        if (body is null)
        {
            return refusal!;
        }

        var budgetId = http.Request.RouteValues["id"]?.ToString() ?? "";
        if (ActionRequest.Parse(body, action, out var error) is not { } parsed)
        {
            return Problems.Of(400, "invalid-budget-action", "Invalid request", error!);
        }

        var request = parsed with { Project = caller.Project, BudgetId = budgetId, Actor = caller.Actor };
        AuditEntry entry;
        try
        {
            entry = await apply(request, http.RequestAborted).ConfigureAwait(false);
        }
        catch (KeyNotFoundException ex)
        {
            return Problems.Of(404, "budget-not-found", "No such budget", ex.Message);
        }
        catch (ArgumentOutOfRangeException ex)
        {
            return Problems.Of(400, "invalid-budget-action", "Invalid request", ex.Message.Split(Environment.NewLine)[0]);
        }

        return Results.Json(entry, AuditJsonContext.Default.AuditEntry);
    }

    private sealed record ActionRequest(string? ScopeValue, string Reason, decimal? Percent, decimal? LimitUsd)
    {
        public string Project { get; init; } = "";

        public string BudgetId { get; init; } = "";

        public string Actor { get; init; } = "";

        public static ActionRequest? Parse(byte[] body, string action, out string? error)
        {
            error = null;
            try
            {
                using var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 8 });
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    error = "The body must be a JSON object with a 'reason'.";
                    return null;
                }

                var reason = Text(root, "reason")?.Trim();
                if (string.IsNullOrEmpty(reason) || reason.Length > MaxReasonLength)
                {
                    error = $"'reason' is required: say why, in 1 to {MaxReasonLength} characters.";
                    return null;
                }

                var percent = Number(root, "percent");
                var limit = Number(root, "limit_usd");
                if (action == "raise" && (percent is null) == (limit is null))
                {
                    error = "A raise needs 'percent' (e.g. 10) or 'limit_usd' (the new limit for this period), not both.";
                    return null;
                }

                return new ActionRequest(Text(root, "scope_value"), reason, percent, limit);
            }
            catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
            {
                error = "The body is not valid JSON with 'reason' (text), 'scope_value' (text), 'percent' or 'limit_usd' (numbers).";
                return null;
            }
        }

        private static string? Text(JsonElement root, string name)
            => root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value.GetString() : null;

        private static decimal? Number(JsonElement root, string name)
            => root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value.GetDecimal() : null;
    }
}
