using LensAI.Backend.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the LensAI HTTP API onto an ASP.NET Core app.</summary>
public static class LensAIApiEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps every route of <see cref="LensAIRoutes"/> to the handler the Azure Functions worker's function for it calls.
    /// The authenticated routes are one <c>/v1</c> group whose endpoint filter is <see cref="ApiKeyGuard"/>: the rate
    /// limit and the key are checked once per request, before any handler, and the handler reads the
    /// <see cref="ApiCaller"/>. Slack's callback (signed by Slack), <c>/healthz</c> and the dashboard's files need no key.
    /// </summary>
    public static IEndpointRouteBuilder MapLensAIApi(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var v1 = app.MapGroup(LensAIRoutes.Api).AddEndpointFilter(async (context, next) =>
            await context.HttpContext.RequestServices.GetRequiredService<ApiKeyGuard>().AdmitAsync(context.HttpContext).ConfigureAwait(false)
            ?? await next(context).ConfigureAwait(false));
        v1.MapPost(LensAIRoutes.InApi(LensAIRoutes.Events), ([FromServices] IngestEndpoint endpoint, HttpContext http) => endpoint.PostAsync(http));
        v1.MapGet(LensAIRoutes.InApi(LensAIRoutes.BudgetsStatus), ([FromServices] BudgetEndpoints endpoint, HttpContext http) => endpoint.StatusAsync(http));
        v1.MapMethods(LensAIRoutes.InApi(LensAIRoutes.Budgets), [HttpMethods.Get, HttpMethods.Put], ([FromServices] BudgetEndpoints endpoint, HttpContext http) => endpoint.BudgetsAsync(http));
        v1.MapGet(LensAIRoutes.InApi(LensAIRoutes.Export), ([FromServices] ExportEndpoint endpoint, HttpContext http) => endpoint.GetAsync(http));
        v1.MapGet(LensAIRoutes.InApi(LensAIRoutes.Report), ([FromServices] ReportEndpoint endpoint, HttpContext http) => endpoint.GetAsync(http));

        app.MapPost(LensAIRoutes.SlackActions, ([FromServices] SlackActionEndpoint endpoint, HttpContext http) => endpoint.PostAsync(http));
        app.MapGet(LensAIRoutes.Health, ([FromServices] HealthEndpoint endpoint, HttpContext http) => endpoint.GetAsync(http));
        app.MapMethods(LensAIRoutes.Dashboard, [HttpMethods.Get, HttpMethods.Head], ([FromServices] DashboardEndpoint endpoint, HttpContext http) => endpoint.Get(http))
            .ExcludeFromDescription();
        return app;
    }
}
