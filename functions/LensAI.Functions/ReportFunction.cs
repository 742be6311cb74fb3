using LensAI.Backend.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace LensAI.Functions;

/// <summary><c>GET /v1/report</c>.</summary>
internal sealed class ReportFunction(ReportEndpoint endpoint, ApiKeyGuard guard)
{
    [Function("report")]
    public Task<IResult> RunAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = LensAIRoutes.Report)] HttpRequest request)
        => guard.InvokeAsync(request.HttpContext, RequiredScope.Read, endpoint.GetAsync);
}
