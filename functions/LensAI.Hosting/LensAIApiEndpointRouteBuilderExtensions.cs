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
    /// <see cref="ApiCaller"/>. Slack's callback (signed by Slack), Stripe's webhook (signed by Stripe, rate limited in its own bucket), <c>/healthz</c> and the dashboard's files need no key.
    /// Every route carries its <see cref="BodyLimit"/> (none for the GETs), which its handler enforces too.
    /// </summary>
    public static IEndpointRouteBuilder MapLensAIApi(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var v1 = app.MapGroup(LensAIRoutes.Api).AddEndpointFilter(async (context, next) =>
            await context.HttpContext.RequestServices.GetRequiredService<ApiKeyGuard>()
                .AdmitAsync(context.HttpContext, context.HttpContext.GetEndpoint()?.Metadata.GetMetadata<RequiredScope>()).ConfigureAwait(false)
            ?? await next(context).ConfigureAwait(false));
        var ingestLimit = new BodyLimit(app.ServiceProvider.GetRequiredService<LensAI.Backend.BackendOptions>().Limits.MaxRequestBytes);
        v1.MapPost(LensAIRoutes.InApi(LensAIRoutes.Events), ([FromServices] IngestEndpoint endpoint, HttpContext http) => endpoint.PostAsync(http)).WithMetadata(ingestLimit, RequiredScope.Ingest);
        v1.MapGet(LensAIRoutes.InApi(LensAIRoutes.BudgetsStatus), ([FromServices] BudgetEndpoints endpoint, HttpContext http) => endpoint.StatusAsync(http)).WithMetadata(BodyLimit.None, RequiredScope.Ingest);
        v1.MapGet(LensAIRoutes.InApi(LensAIRoutes.Budgets), ([FromServices] BudgetEndpoints endpoint, HttpContext http) => endpoint.BudgetsAsync(http)).WithMetadata(BodyLimit.None, RequiredScope.Read);
        v1.MapPut(LensAIRoutes.InApi(LensAIRoutes.Budgets), ([FromServices] BudgetEndpoints endpoint, HttpContext http) => endpoint.BudgetsAsync(http)).WithMetadata(BodyLimit.Small, RequiredScope.Admin);
        v1.MapPost(LensAIRoutes.InApi(LensAIRoutes.BudgetOverride), ([FromServices] BudgetActionEndpoints endpoint, HttpContext http) => endpoint.OverrideAsync(http)).WithMetadata(BodyLimit.Small, RequiredScope.Admin);
        v1.MapPost(LensAIRoutes.InApi(LensAIRoutes.BudgetRaise), ([FromServices] BudgetActionEndpoints endpoint, HttpContext http) => endpoint.RaiseAsync(http)).WithMetadata(BodyLimit.Small, RequiredScope.Admin);
        v1.MapPost(LensAIRoutes.InApi(LensAIRoutes.BudgetReset), ([FromServices] BudgetActionEndpoints endpoint, HttpContext http) => endpoint.ResetAsync(http)).WithMetadata(BodyLimit.Small, RequiredScope.Admin);
        v1.MapGet(LensAIRoutes.InApi(LensAIRoutes.Audit), ([FromServices] AuditEndpoint endpoint, HttpContext http) => endpoint.GetAsync(http)).WithMetadata(BodyLimit.None, RequiredScope.Admin);
        v1.MapGet(LensAIRoutes.InApi(LensAIRoutes.Export), ([FromServices] ExportEndpoint endpoint, HttpContext http) => endpoint.GetAsync(http)).WithMetadata(BodyLimit.None, RequiredScope.Read);
        v1.MapGet(LensAIRoutes.InApi(LensAIRoutes.Report), ([FromServices] ReportEndpoint endpoint, HttpContext http) => endpoint.GetAsync(http)).WithMetadata(BodyLimit.None, RequiredScope.Read);

        app.MapPost(LensAIRoutes.SlackActions, ([FromServices] SlackActionEndpoint endpoint, HttpContext http) => endpoint.PostAsync(http)).WithMetadata(BodyLimit.Small);
        app.MapPost(LensAIRoutes.StripeWebhook, ([FromServices] StripeWebhookEndpoint endpoint, HttpContext http) => endpoint.PostAsync(http)).WithMetadata(BodyLimit.Small);
        app.MapGet(LensAIRoutes.Health, ([FromServices] HealthEndpoint endpoint, HttpContext http) => endpoint.GetAsync(http)).WithMetadata(BodyLimit.None);
        app.MapMethods(LensAIRoutes.Dashboard, [HttpMethods.Get, HttpMethods.Head], ([FromServices] DashboardEndpoint endpoint, HttpContext http) => endpoint.Get(http))
            .WithMetadata(BodyLimit.None).ExcludeFromDescription();
        return app;
    }
}
