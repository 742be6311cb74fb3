using LensAI.Backend.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace LensAI.Functions;

/// <summary><c>GET /v1/export</c>.</summary>
internal sealed class ExportFunction(ExportEndpoint endpoint, ApiKeyGuard guard)
{
    [Function("export")]
    public Task<IResult> RunAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = LensAIRoutes.Export)] HttpRequest request)
        => guard.InvokeAsync(request.HttpContext, RequiredScope.Read, endpoint.GetAsync);
}
