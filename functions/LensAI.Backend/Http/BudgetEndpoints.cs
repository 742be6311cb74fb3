using System.Security.Cryptography;
using LensAI.Backend.Budgets;
using LensAI.Budgets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace LensAI.Backend.Http;

/// <summary><c>GET /v1/budgets/status</c> (the kill-switch), <c>GET/PUT /v1/budgets</c> (management).</summary>
public static class BudgetEndpoints
{
    public static IEndpointRouteBuilder MapLensAIBudgets(this IEndpointRouteBuilder app)
    {
        var v1 = app.MapGroup("/v1/budgets").AddEndpointFilter<ApiKeyAuthentication>().RequireRateLimiting(LensAIEndpoints.PerKeyPolicy);
        v1.MapGet("/status", StatusAsync);
        v1.MapGet("", GetAsync);
        v1.MapPut("", PutAsync);
        return app;
    }

    private static async Task<IResult> StatusAsync(HttpContext http, BudgetStore budgets, TimeProvider time)
    {
        var project = ApiKeyAuthentication.ProjectOf(http);
        var stored = await budgets.GetStatusAsync(project, http.RequestAborted).ConfigureAwait(false);
        var body = stored?.Content ?? System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(
            new BudgetStatusDocument { ProjectId = project, GeneratedAt = time.GetUtcNow(), Budgets = [] }, BudgetStatusJsonContext.Default.BudgetStatusDocument);
        var etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(body))[..32] + "\"";
        http.Response.Headers.ETag = etag;
        http.Response.Headers.CacheControl = "private, max-age=5";
        if (http.Request.Headers.IfNoneMatch.ToString() == etag)
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        return Results.Bytes(body, "application/json");
    }

    private static async Task<IResult> GetAsync(HttpContext http, BudgetStore budgets)
    {
        var file = await budgets.GetBudgetsAsync(ApiKeyAuthentication.ProjectOf(http), http.RequestAborted).ConfigureAwait(false) ?? new BudgetFile();
        return Results.Json(file, BudgetJsonContext.Default.BudgetFile);
    }

    private static async Task<IResult> PutAsync(HttpContext http, BudgetStore budgets, BudgetCheckJob check)
    {
        var project = ApiKeyAuthentication.ProjectOf(http);
        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer, http.RequestAborted).ConfigureAwait(false);
        BudgetFile file;
        try
        {
            file = BudgetStore.Parse(buffer.ToArray());
        }
        catch (BudgetValidationException ex)
        {
            return Problems.Of(400, "invalid-budgets", "Invalid budgets", $"{ex.Errors.Count} problem(s); see errors.",
                new Dictionary<string, object?> { ["errors"] = ex.Errors.Select(e => new Dictionary<string, string> { ["pointer"] = e.Pointer, ["message"] = e.Message }).ToList() });
        }

        var actor = "api-key:" + (http.Request.Headers.Authorization.ToString() is { Length: > 19 } auth ? auth.Substring(11, 8) : "?");
        await budgets.SetBudgetsAsync(project, file, actor, http.RequestAborted).ConfigureAwait(false);
        await check.CheckProjectAsync(project, http.RequestAborted).ConfigureAwait(false);
        return Results.Json(file, BudgetJsonContext.Default.BudgetFile);
    }
}
