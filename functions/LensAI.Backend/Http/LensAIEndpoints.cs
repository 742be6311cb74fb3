using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace LensAI.Backend.Http;

/// <summary>
/// Maps the LensAI HTTP API onto an ASP.NET Core app (the embedded default and the container). Each route calls the
/// same handler method the Azure Functions worker's HTTP function calls; key checks, rate limits and body limits live
/// in those handlers, so nothing here depends on host middleware.
/// </summary>
public static class LensAIEndpoints
{
    /// <summary>Maps every route of <see cref="LensAIRoutes"/>.</summary>
    public static IEndpointRouteBuilder MapLensAI(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapPost(LensAIRoutes.Events, ([FromServices] IngestEndpoint endpoint, HttpContext http) => endpoint.PostAsync(http));
        app.MapGet(LensAIRoutes.BudgetsStatus, ([FromServices] BudgetEndpoints endpoint, HttpContext http) => endpoint.StatusAsync(http));
        app.MapMethods(LensAIRoutes.Budgets, [HttpMethods.Get, HttpMethods.Put], ([FromServices] BudgetEndpoints endpoint, HttpContext http) => endpoint.BudgetsAsync(http));
        app.MapGet(LensAIRoutes.Export, ([FromServices] ExportEndpoint endpoint, HttpContext http) => endpoint.GetAsync(http));
        app.MapGet(LensAIRoutes.Report, ([FromServices] ReportEndpoint endpoint, HttpContext http) => endpoint.GetAsync(http));
        app.MapPost(LensAIRoutes.SlackActions, ([FromServices] SlackActionEndpoint endpoint, HttpContext http) => endpoint.PostAsync(http));
        app.MapGet(LensAIRoutes.Health, ([FromServices] HealthEndpoint endpoint, HttpContext http) => endpoint.GetAsync(http));
        app.MapMethods(LensAIRoutes.Dashboard, [HttpMethods.Get, HttpMethods.Head], ([FromServices] DashboardEndpoint endpoint, HttpContext http) => endpoint.Get(http))
            .ExcludeFromDescription();
        return app;
    }
}
