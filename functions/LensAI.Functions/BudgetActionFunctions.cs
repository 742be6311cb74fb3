using LensAI.Backend.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace LensAI.Functions;

/// <summary><c>POST /v1/budgets/{id}/override|raise|reset</c> and <c>GET /v1/audit</c> (admin).</summary>
internal sealed class BudgetActionFunctions(BudgetActionEndpoints actions, AuditEndpoint audit, ApiKeyGuard guard)
{
    [Function("budget-override")]
    public Task<IResult> OverrideAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = LensAIRoutes.BudgetOverride)] HttpRequest request, string id)
        => guard.InvokeAsync(WithId(request, id), RequiredScope.Admin, actions.OverrideAsync);

    [Function("budget-raise")]
    public Task<IResult> RaiseAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = LensAIRoutes.BudgetRaise)] HttpRequest request, string id)
        => guard.InvokeAsync(WithId(request, id), RequiredScope.Admin, actions.RaiseAsync);

    [Function("budget-reset")]
    public Task<IResult> ResetAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = LensAIRoutes.BudgetReset)] HttpRequest request, string id)
        => guard.InvokeAsync(WithId(request, id), RequiredScope.Admin, actions.ResetAsync);

    /// <summary>The budget id from the route, where the handler reads it (as the ASP.NET Core app's routing puts it).</summary>
    private static HttpContext WithId(HttpRequest request, string id)
    {
        request.RouteValues["id"] = id;
        return request.HttpContext;
    }

    [Function("audit")]
    public Task<IResult> AuditAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = LensAIRoutes.Audit)] HttpRequest request)
        => guard.InvokeAsync(request.HttpContext, RequiredScope.Admin, audit.GetAsync);
}
