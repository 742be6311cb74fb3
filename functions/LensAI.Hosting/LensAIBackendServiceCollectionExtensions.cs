using LensAI.Backend.Jobs;
using LensAI.Hosting;
using Microsoft.Extensions.Configuration;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the LensAI backend: the one composition root of every host.</summary>
public static class LensAIBackendServiceCollectionExtensions
{
    /// <summary>
    /// The backend's services, bound from <c>LensAI:Backend</c> (with <c>LensAI:Backend:Alerts</c> and
    /// <c>LensAI:Backend:Stripe</c>) as validated options: a bad setting fails the host at start, naming the setting.
    /// Area by area: storage, DuckDB, API keys, ingest, reports and export, budgets and alerts, jobs, Stripe, and the
    /// HTTP endpoint handlers. Services registered before this call win where one fits: an <c>IObjectStore</c>, an
    /// <c>IAlertDispatcher</c>, a <see cref="TimeProvider"/>, or a <c>TokenCredential</c> for Azure Blob storage.
    /// It starts nothing: the ASP.NET Core app adds the in-process scheduler (<see cref="AddLensAIJobScheduler"/>), the
    /// Azure Functions worker runs the jobs from its timer functions.
    /// </summary>
    public static IServiceCollection AddLensAIBackend(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        return services
            .AddBackendOptions(configuration)
            .AddStorage()
            .AddDuckDb()
            .AddKeys()
            .AddIngest()
            .AddReports()
            .AddBudgets()
            .AddJobs()
            .AddStripe(configuration)
            .AddEndpoints();
    }

    /// <summary>
    /// The in-process scheduler (a hosted service) that runs every job on its schedule from <see cref="JobRegistry"/>
    /// while <c>LensAI:Backend:RunScheduler</c> is true: the embedded default and the container.
    /// </summary>
    public static IServiceCollection AddLensAIJobScheduler(this IServiceCollection services)
        => services.AddHostedService<JobScheduler>();
}
