using System.Globalization;
using LensAI.Backend.Alerts;
using LensAI.Backend.Billing;
using LensAI.Backend.Budgets;
using LensAI.Backend.DuckDb;
using LensAI.Backend.Export;
using LensAI.Backend.Ingest;
using LensAI.Backend.Keys;
using LensAI.Backend.Jobs;
using LensAI.Backend.Parquet;
using LensAI.Backend.Rollups;
using LensAI.Backend.Storage;
using LensAI.Pricing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace LensAI.Backend.Http;

/// <summary>Registers the backend's services.</summary>
public static class BackendServiceCollectionExtensions
{
    /// <summary>
    /// The composition root of both hosts (the ASP.NET Core app and the Azure Functions worker): storage, DuckDB, the key
    /// store, ingest, export, budgets, alerts, jobs and the HTTP endpoint handlers, bound from <c>LensAI:Backend</c>
    /// (and <c>LensAI:Backend:Alerts</c>, <c>LensAI:Backend:Stripe</c>). <paramref name="configure"/> runs after binding.
    /// </summary>
    public static IServiceCollection AddLensAIBackend(this IServiceCollection services, IConfiguration configuration, Action<BackendOptions>? configure = null)
    {
        var options = new BackendOptions();
        configuration.GetSection(BackendOptions.SectionName).Bind(options);
        configure?.Invoke(options);
        if (options.Storage.Kind == ObjectStoreKind.Local && string.IsNullOrEmpty(options.Storage.LocalPath))
        {
            options.Storage.LocalPath = Path.Combine(Environment.CurrentDirectory, ".lensai", "data");
        }

        // A TokenCredential registered before this call authenticates an Azure Blob AccountUrl that has no other way.
        var azureCredential = services.LastOrDefault(d => d.ServiceType == typeof(Azure.Core.TokenCredential));
        options.Storage.Validate(azureCredentialInCode: azureCredential is not null);
        services.AddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IngestMetrics>();
        services.TryAddSingleton(sp => ObjectStoreFactory.Create(options.Storage, sp.GetService<ILoggerFactory>(), sp.GetService<Azure.Core.TokenCredential>()));
        var work = options.WorkDirectory ?? Path.Combine(Path.GetTempPath(), "lensai-work-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        services.AddSingleton(_ => new DuckDbConnectionFactory(new DuckDbSettings { Threads = Math.Max(1, options.DuckDbThreads), TempDirectory = Path.Combine(work, "duckdb") }));
        services.AddSingleton(sp => new ApiKeyStore(sp.GetRequiredService<IObjectStore>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp =>
        {
            var writerOptions = options.Writer;
            writerOptions.TempDirectory ??= options.WorkDirectory is null ? null : Path.Combine(options.WorkDirectory, "parts");
            return new EventWriter(sp.GetRequiredService<IObjectStore>(), sp.GetRequiredService<DuckDbConnectionFactory>(), writerOptions,
                sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IngestMetrics>(), sp.GetRequiredService<ILogger<EventWriter>>());
        });
        services.AddSingleton(sp => new IngestService(sp.GetRequiredService<EventWriter>(), PriceCatalog.Default, options.Limits, options.SettingsFor,
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IngestMetrics>(), sp.GetRequiredService<ILogger<IngestService>>()));
        services.AddSingleton(sp => new EventStore(sp.GetRequiredService<IObjectStore>(), sp.GetRequiredService<DuckDbConnectionFactory>(), options.WorkDirectory is null ? null : Path.Combine(options.WorkDirectory, "part-cache")));
        services.AddSingleton(sp => new ExportService(sp.GetRequiredService<EventStore>()));
        services.AddSingleton(sp => new BudgetStore(sp.GetRequiredService<IObjectStore>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new RollupReader(sp.GetRequiredService<EventStore>()));
        var alerts = new AlertsOptions();
        configuration.GetSection(AlertsOptions.SectionName).Bind(alerts);
        services.AddSingleton(alerts);
        services.TryAddSingleton<IAlertDispatcher>(sp => (IAlertDispatcher?)ChannelAlertDispatcher.Create(alerts, sp.GetRequiredService<TimeProvider>(), sp.GetService<ILoggerFactory>())
            ?? new LogAlertDispatcher(sp.GetRequiredService<ILogger<LogAlertDispatcher>>()));
        services.AddSingleton<BudgetCheckJob>();
        services.AddSingleton<BudgetActions>();
        services.AddSingleton(sp => new Reports.ReportService(sp.GetRequiredService<RollupReader>(), sp.GetRequiredService<BudgetStore>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IBackendJob>(sp => sp.GetRequiredService<BudgetCheckJob>());
        services.AddSingleton<IBackendJob>(sp => new CompactionJob(sp.GetRequiredService<EventStore>(), sp.GetRequiredService<TimeProvider>(), Path.Combine(work, "compaction")));
        services.AddSingleton<IBackendJob>(sp => new RollupJob(sp.GetRequiredService<EventStore>(), Path.Combine(work, "rollups")));
        services.AddSingleton<IBackendJob>(sp => new RetentionJob(sp.GetRequiredService<IObjectStore>(), options.SettingsFor, sp.GetRequiredService<TimeProvider>()));
        var stripe = new StripeOptions();
        configuration.GetSection(StripeOptions.SectionName).Bind(stripe);
        if (stripe.IsConfigured)
        {
            services.AddSingleton(stripe);
            services.AddSingleton(sp => new StripeMeterClient(stripe, sp.GetRequiredService<TimeProvider>(), sp.GetService<ILogger<StripeMeterClient>>()));
            services.AddSingleton<IBackendJob>(sp => new StripeSyncJob(sp.GetRequiredService<IObjectStore>(), sp.GetRequiredService<EventStore>(), sp.GetRequiredService<StripeMeterClient>(), stripe, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<StripeSyncJob>>()));
        }

        services.AddSingleton<JobRunner>();
        if (options.RunScheduler)
        {
            services.AddHostedService<JobScheduler>();
        }

        services.AddProblemDetails();
        services.AddSingleton<ApiKeyGuard>();
        services.AddSingleton<IngestEndpoint>();
        services.AddSingleton<BudgetEndpoints>();
        services.AddSingleton<ExportEndpoint>();
        services.AddSingleton<ReportEndpoint>();
        services.AddSingleton<SlackActionEndpoint>();
        services.AddSingleton<HealthEndpoint>();
        services.AddSingleton<DashboardEndpoint>();
        return services;
    }
}
