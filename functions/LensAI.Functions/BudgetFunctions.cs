using LensAI.Backend.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace LensAI.Functions;

/// <summary><c>GET /v1/budgets/status</c> and <c>GET|PUT /v1/budgets</c>.</summary>
internal sealed class BudgetFunctions(BudgetEndpoints endpoints, ApiKeyGuard guard)
{
    [Function("budgets-status")]
    public Task<IResult> StatusAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = LensAIRoutes.BudgetsStatus)] HttpRequest request)
        => guard.InvokeAsync(request.HttpContext, endpoints.StatusAsync);

    [Function("budgets")]
    public Task<IResult> BudgetsAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", "put", Route = LensAIRoutes.Budgets)] HttpRequest request)
        => guard.InvokeAsync(request.HttpContext, endpoints.BudgetsAsync);
}
