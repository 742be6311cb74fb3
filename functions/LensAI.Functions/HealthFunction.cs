using LensAI.Backend.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace LensAI.Functions;

/// <summary><c>GET /healthz</c>.</summary>
internal sealed class HealthFunction(HealthEndpoint endpoint)
{
    [Function("healthz")]
    public Task<IResult> RunAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = LensAIRoutes.Health)] HttpRequest request)
        => endpoint.GetAsync(request.HttpContext);
}
