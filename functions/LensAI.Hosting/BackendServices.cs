using System.Globalization;
using LensAI.Backend;
using LensAI.Backend.Alerts;
using LensAI.Backend.Billing;
using LensAI.Backend.Budgets;
using LensAI.Backend.DuckDb;
using LensAI.Backend.Export;
using LensAI.Backend.Http;
using LensAI.Backend.Ingest;
using LensAI.Backend.Jobs;
using LensAI.Backend.Keys;
using LensAI.Backend.Parquet;
using LensAI.Backend.Reports;
using LensAI.Backend.Rollups;
using LensAI.Backend.Storage;
using LensAI.Pricing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LensAI.Hosting;

/// <summary>
/// The backend's registrations, one method per area (called in order by <c>AddLensAIBackend</c>). Options come from
/// <see cref="IOptions{TOptions}"/> (bound and validated once); constructors get their services from the container,
/// and a factory only adds what is not a service (a folder, a setting).
/// </summary>
internal static class BackendServices
{
    /// <summary>Options per area, bound from configuration, validated at start with messages that name the setting.</summary>
    public static IServiceCollection AddBackendOptions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<BackendOptions>().Bind(configuration.GetSection(BackendOptions.SectionName)).ValidateOnStart()
            .PostConfigure(options =>
            {
                // The embedded default's store: .lensai/data under the working directory.
                if (options.Storage.Kind == ObjectStoreKind.Local && string.IsNullOrEmpty(options.Storage.LocalPath))
                {
                    options.Storage.LocalPath = Path.Combine(Environment.CurrentDirectory, ".lensai", "data");
                }
            });
        services.AddOptions<AlertsOptions>().Bind(configuration.GetSection(AlertsOptions.SectionName)).ValidateOnStart();
        services.AddOptions<StripeOptions>().Bind(configuration.GetSection(StripeOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BackendOptions>, BackendOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AlertsOptions>, AlertsOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StripeOptions>, StripeOptionsValidator>());

        // The option values themselves, for the handlers and jobs that take them (resolving one validates it).
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<BackendOptions>>().Value);
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<AlertsOptions>>().Value);
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<StripeOptions>>().Value);
        services.TryAddSingleton(TimeProvider.System);
        return services;
    }

    /// <summary>Object storage: the configured local folder, S3 bucket or Azure Blob container.</summary>
    public static IServiceCollection AddStorage(this IServiceCollection services)
    {
        services.TryAddSingleton(sp => ObjectStoreFactory.Create(
            sp.GetRequiredService<BackendOptions>().Storage, sp.GetService<ILoggerFactory>(), sp.GetService<Azure.Core.TokenCredential>()));
        return services;
    }

    /// <summary>DuckDB: one private in-process database, spilling under the work folder.</summary>
    public static IServiceCollection AddDuckDb(this IServiceCollection services)
    {
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<BackendOptions>();
            return new DuckDbConnectionFactory(new DuckDbSettings { Threads = options.DuckDbThreads, TempDirectory = Work(options, "duckdb") });
        });
        return services;
    }

    /// <summary>Per-project API keys and the guard every authenticated endpoint passes.</summary>
    public static IServiceCollection AddKeys(this IServiceCollection services)
    {
        services.TryAddSingleton(sp => new ApiKeyStore(sp.GetRequiredService<IObjectStore>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<AuditLog>()));
        services.TryAddSingleton(sp => sp.GetRequiredService<BudgetStore>().Audit);
        services.TryAddSingleton<ApiKeyGuard>();
        return services;
    }

    /// <summary>Ingest: validation and redaction, then the Parquet writer (group commit) and the event store that reads it back.</summary>
    public static IServiceCollection AddIngest(this IServiceCollection services)
    {
        services.TryAddSingleton<IngestMetrics>();
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<BackendOptions>();
            return ActivatorUtilities.CreateInstance<PartMerger>(sp, options.Writer, Work(options, "merge"));
        });
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<BackendOptions>();
            options.Writer.TempDirectory ??= options.WorkDirectory is null ? null : Path.Combine(options.WorkDirectory, "parts");
            return ActivatorUtilities.CreateInstance<EventWriter>(sp, options.Writer);
        });
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<BackendOptions>();
            return ActivatorUtilities.CreateInstance<IngestService>(sp, PriceCatalog.Default, options.Limits, (Func<string, ProjectSettings>)options.SettingsFor);
        });
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<BackendOptions>();
            return new EventStore(sp.GetRequiredService<IObjectStore>(), sp.GetRequiredService<DuckDbConnectionFactory>(),
                options.WorkDirectory is null ? null : Path.Combine(options.WorkDirectory, "part-cache"));
        });
        return services;
    }

    /// <summary>Reading the data back: rollups, the project report, exports.</summary>
    public static IServiceCollection AddReports(this IServiceCollection services)
    {
        services.TryAddSingleton<RollupReader>();
        services.TryAddSingleton<ReportService>();
        services.TryAddSingleton<ExportService>();
        return services;
    }

    /// <summary>Budgets, their check and actions, and the alert channels (Slack, webhook, e-mail; else the log).</summary>
    public static IServiceCollection AddBudgets(this IServiceCollection services)
    {
        services.TryAddSingleton<BudgetStore>();
        services.TryAddSingleton<BudgetCheckJob>();
        services.TryAddSingleton<BudgetActions>();
        services.TryAddSingleton<IAlertDispatcher>(sp => (IAlertDispatcher?)ChannelAlertDispatcher.Create(
                sp.GetRequiredService<AlertsOptions>(), sp.GetRequiredService<TimeProvider>(), sp.GetService<ILoggerFactory>(), sp.GetRequiredService<BudgetStore>())
            ?? ActivatorUtilities.CreateInstance<LogAlertDispatcher>(sp));
        return services;
    }

    /// <summary>The timer jobs and their runner (leases, logs); the jobs' names and schedules are <see cref="JobRegistry"/>'s.</summary>
    public static IServiceCollection AddJobs(this IServiceCollection services)
    {
        services.AddSingleton<IBackendJob>(sp => sp.GetRequiredService<BudgetCheckJob>());
        services.AddSingleton<IBackendJob>(sp => ActivatorUtilities.CreateInstance<CompactionJob>(sp, Work(sp.GetRequiredService<BackendOptions>(), "compaction")));
        services.AddSingleton<IBackendJob>(sp => ActivatorUtilities.CreateInstance<RollupJob>(sp, Work(sp.GetRequiredService<BackendOptions>(), "rollups")));
        services.AddSingleton<IBackendJob>(sp => ActivatorUtilities.CreateInstance<RetentionJob>(sp, (Func<string, ProjectSettings>)sp.GetRequiredService<BackendOptions>().SettingsFor));
        services.AddSingleton<IBackendJob, MonthlySummaryJob>();
        services.TryAddSingleton(sp => new JobRunner(sp.GetServices<IBackendJob>(), sp.GetRequiredService<IObjectStore>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<JobRunner>>())
        {
            LeaseDuration = sp.GetRequiredService<BackendOptions>().JobLeaseDuration,
        });
        return services;
    }

    /// <summary>
    /// Usage pushed to Stripe meters, when <c>LensAI:Backend:Stripe</c> names a key and a meter event; otherwise the
    /// <c>stripe-sync</c> job is not configured in this deployment (its timer logs that and does nothing).
    /// </summary>
    public static IServiceCollection AddStripe(this IServiceCollection services, IConfiguration configuration)
    {
        if (configuration.GetSection(StripeOptions.SectionName).Get<StripeOptions>() is not { IsConfigured: true })
        {
            return services;
        }

        services.TryAddSingleton<StripeMeterClient>();
        services.AddSingleton<IBackendJob, StripeSyncJob>();
        return services;
    }

    /// <summary>The HTTP endpoint handlers both hosts call (problem+json answers).</summary>
    public static IServiceCollection AddEndpoints(this IServiceCollection services)
    {
        services.AddProblemDetails();
        services.TryAddSingleton<IngestEndpoint>();
        services.TryAddSingleton<BudgetEndpoints>();
        services.TryAddSingleton<BudgetActionEndpoints>();
        services.TryAddSingleton<AuditEndpoint>();
        services.TryAddSingleton<ExportEndpoint>();
        services.TryAddSingleton<ReportEndpoint>();
        services.TryAddSingleton<SlackActionEndpoint>();
        services.TryAddSingleton<StripeTierSync>();
        services.TryAddSingleton<StripeWebhookEndpoint>();
        services.TryAddSingleton<HealthEndpoint>();
        services.TryAddSingleton<DashboardEndpoint>();
        return services;
    }

    /// <summary>A folder under the work directory (<c>LensAI:Backend:WorkDirectory</c>, default one per process under the system temp).</summary>
    private static string Work(BackendOptions options, string name)
        => Path.Combine(options.WorkDirectory ?? Path.Combine(Path.GetTempPath(), "lensai-work-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture)), name);
}
