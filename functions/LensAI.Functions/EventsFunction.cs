using LensAI.Backend.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace LensAI.Functions;

// One HTTP function per endpoint, each a call into the backend's handler for that route: the same handler the
// ASP.NET Core app maps (MapLensAIApi). The authenticated ones pass ApiKeyGuard first, as the app's /v1 group does
// (rate limit, then the project API key and its scope — the same RequiredScope the app maps —, checked once per request); the handlers enforce the body limits. Auth level
// is anonymous on purpose: the backend checks its own project API keys (Functions keys would be a second, unrelated
// secret). Routes are LensAIRoutes, with host.json's routePrefix "" so the paths match.

/// <summary><c>POST /v1/events</c>.</summary>
internal sealed class EventsFunction(IngestEndpoint endpoint, ApiKeyGuard guard)
{
    [Function("events")]
    public Task<IResult> RunAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = LensAIRoutes.Events)] HttpRequest request)
        => guard.InvokeAsync(request.HttpContext, RequiredScope.Ingest, endpoint.PostAsync);
}
