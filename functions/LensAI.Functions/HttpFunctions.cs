using LensAI.Backend.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace LensAI.Functions;

// One HTTP function per endpoint, each a call into the backend's handler for that route: the same handler the
// ASP.NET Core app maps (MapLensAIApi). The authenticated ones pass ApiKeyGuard first, as the app's /v1 group does
// (rate limit, then the project API key, checked once per request); the handlers enforce the body limits. Auth level
// is anonymous on purpose: the backend checks its own project API keys (Functions keys would be a second, unrelated
// secret). Routes are LensAIRoutes, with host.json's routePrefix "" so the paths match.

/// <summary><c>POST /v1/events</c>.</summary>
public sealed class EventsFunction(IngestEndpoint endpoint, ApiKeyGuard guard)
{
    [Function("events")]
    public Task<IResult> RunAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = LensAIRoutes.Events)] HttpRequest request)
        => guard.InvokeAsync(request.HttpContext, endpoint.PostAsync);
}

/// <summary><c>GET /v1/budgets/status</c> and <c>GET|PUT /v1/budgets</c>.</summary>
public sealed class BudgetFunctions(BudgetEndpoints endpoints, ApiKeyGuard guard)
{
    [Function("budgets-status")]
    public Task<IResult> StatusAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = LensAIRoutes.BudgetsStatus)] HttpRequest request)
        => guard.InvokeAsync(request.HttpContext, endpoints.StatusAsync);

    [Function("budgets")]
    public Task<IResult> BudgetsAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", "put", Route = LensAIRoutes.Budgets)] HttpRequest request)
        => guard.InvokeAsync(request.HttpContext, endpoints.BudgetsAsync);
}

/// <summary><c>GET /v1/export</c>.</summary>
public sealed class ExportFunction(ExportEndpoint endpoint, ApiKeyGuard guard)
{
    [Function("export")]
    public Task<IResult> RunAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = LensAIRoutes.Export)] HttpRequest request)
        => guard.InvokeAsync(request.HttpContext, endpoint.GetAsync);
}

/// <summary><c>GET /v1/report</c>.</summary>
public sealed class ReportFunction(ReportEndpoint endpoint, ApiKeyGuard guard)
{
    [Function("report")]
    public Task<IResult> RunAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = LensAIRoutes.Report)] HttpRequest request)
        => guard.InvokeAsync(request.HttpContext, endpoint.GetAsync);
}

/// <summary><c>POST /v1/slack/actions</c> (Slack's own signature is the check).</summary>
public sealed class SlackActionsFunction(SlackActionEndpoint endpoint)
{
    [Function("slack-actions")]
    public Task<IResult> RunAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = LensAIRoutes.SlackActions)] HttpRequest request)
        => endpoint.PostAsync(request.HttpContext);
}

/// <summary><c>GET /healthz</c>.</summary>
public sealed class HealthFunction(HealthEndpoint endpoint)
{
    [Function("healthz")]
    public Task<IResult> RunAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = LensAIRoutes.Health)] HttpRequest request)
        => endpoint.GetAsync(request.HttpContext);
}

/// <summary><c>GET|HEAD /dashboard/…</c>: the dashboard's page and files.</summary>
public sealed class DashboardFunction(DashboardEndpoint endpoint)
{
    [Function("dashboard")]
    public IResult Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", Route = LensAIRoutes.Dashboard)] HttpRequest request)
        => endpoint.Get(request.HttpContext);
}
