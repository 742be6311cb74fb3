using LensAI.Backend.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace LensAI.Functions;

/// <summary><c>GET /v1/budgets/status</c> (ingest), <c>GET /v1/budgets</c> (read) and <c>PUT /v1/budgets</c> (admin).</summary>
internal sealed class BudgetFunctions(BudgetEndpoints endpoints, ApiKeyGuard guard)
{
    [Function("budgets-status")]
    public Task<IResult> StatusAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = LensAIRoutes.BudgetsStatus)] HttpRequest request)
        => guard.InvokeAsync(request.HttpContext, RequiredScope.Ingest, endpoints.StatusAsync);

    [Function("budgets")]
    public Task<IResult> BudgetsAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = LensAIRoutes.Budgets)] HttpRequest request)
        => guard.InvokeAsync(request.HttpContext, RequiredScope.Read, endpoints.BudgetsAsync);

    [Function("budgets-put")]
    public Task<IResult> PutBudgetsAsync([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = LensAIRoutes.Budgets)] HttpRequest request)
        => guard.InvokeAsync(request.HttpContext, RequiredScope.Admin, endpoints.BudgetsAsync);
}
