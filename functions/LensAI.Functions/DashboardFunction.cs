using LensAI.Backend.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace LensAI.Functions;

/// <summary><c>GET|HEAD /dashboard/…</c>: the dashboard's page and files.</summary>
internal sealed class DashboardFunction(DashboardEndpoint endpoint)
{
    [Function("dashboard")]
    public IResult Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", Route = LensAIRoutes.Dashboard)] HttpRequest request)
        => endpoint.Get(request.HttpContext);
}
