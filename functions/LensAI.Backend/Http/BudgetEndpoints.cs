using LensAI.Backend.Budgets;
using LensAI.Budgets;
using Microsoft.AspNetCore.Http;

namespace LensAI.Backend.Http;

/// <summary><c>GET /v1/budgets/status</c> (the kill-switch), <c>GET/PUT /v1/budgets</c> (management); both GETs answer conditional requests (ETag, 304).</summary>
internal sealed class BudgetEndpoints(BudgetStore budgets, BudgetCheckJob check, TimeProvider time)
{
    /// <summary>The most problems a refused budgets file lists; <c>error_count</c> counts them all.</summary>
    public const int MaxErrorsListed = 50;

    /// <summary><c>GET /v1/budgets/status</c>: the kill-switch document, with an ETag (a matching <c>If-None-Match</c> gets 304).</summary>
    public async Task<IResult> StatusAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (RequestBody.RefuseAnyBody(http.Request) is { } refused)
        {
            return refused;
        }

        var project = ApiCaller.Of(http).Project;
        var stored = await budgets.GetStatusAsync(project, http.RequestAborted).ConfigureAwait(false);
        var body = stored?.Content ?? System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(
            new BudgetStatusDocument { ProjectId = project, GeneratedAt = time.GetUtcNow(), Budgets = [] }, BudgetStatusJsonContext.Default.BudgetStatusDocument);
        return ConditionalGet.Bytes(http, body, "application/json", "private, max-age=5");
    }

    /// <summary><c>GET /v1/budgets</c> returns the project's budgets file; <c>PUT</c> validates and replaces it, then re-checks the project at once.</summary>
    public async Task<IResult> BudgetsAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var caller = ApiCaller.Of(http);
        if (!HttpMethods.IsPut(http.Request.Method))
        {
            if (RequestBody.RefuseAnyBody(http.Request) is { } refused)
            {
                return refused;
            }

            var current = await budgets.GetBudgetsAsync(caller.Project, http.RequestAborted).ConfigureAwait(false) ?? new BudgetFile();
            return ConditionalGet.Bytes(http, System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(current, BudgetJsonContext.Default.BudgetFile));
        }

        var (content, refusal) = await RequestBody.ReadSmallJsonAsync(http.Request, http.RequestAborted).ConfigureAwait(false);
        if (content is null)
        {
            return refusal!;
        }

        BudgetFile file;
        try
        {
            file = BudgetStore.Parse(content);
        }
        catch (BudgetValidationException ex)
        {
            var listed = ex.Errors.Take(MaxErrorsListed).Select(e => new Dictionary<string, string> { ["pointer"] = Problems.Clip(e.Pointer), ["message"] = Problems.Clip(e.Message) }).ToList();
            return Problems.Of(400, "invalid-budgets", "Invalid budgets",
                listed.Count < ex.Errors.Count ? $"{ex.Errors.Count} problem(s); the first {listed.Count} are in errors." : $"{ex.Errors.Count} problem(s); see errors.",
                new Dictionary<string, object?> { ["errors"] = listed, ["error_count"] = ex.Errors.Count });
        }

        await budgets.SetBudgetsAsync(caller.Project, file, caller.Actor, reason: http.Request.Headers["X-LensAI-Reason"].ToString() is { Length: > 0 and <= BudgetActionEndpoints.MaxReasonLength } why ? why : null, http.RequestAborted).ConfigureAwait(false);
        await check.CheckProjectAsync(caller.Project, http.RequestAborted).ConfigureAwait(false);
        return Results.Json(file, BudgetJsonContext.Default.BudgetFile);
    }
}
