using System.Globalization;
using System.Threading.RateLimiting;
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
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace LensAI.Backend.Http;

/// <summary>Registers the backend's services.</summary>
public static class BackendServiceCollectionExtensions
{
    /// <summary>Adds storage, DuckDB, the key store, ingest, export and the per-key rate limiter, bound from <c>LensAI:Backend</c>.</summary>
    public static IServiceCollection AddLensAIBackend(this IServiceCollection services, IConfiguration configuration, Action<BackendOptions>? configure = null)
    {
        var options = new BackendOptions();
        configuration.GetSection(BackendOptions.SectionName).Bind(options);
        configure?.Invoke(options);
        if (options.Storage.Kind == ObjectStoreKind.Local && string.IsNullOrEmpty(options.Storage.LocalPath))
        {
            options.Storage.LocalPath = Path.Combine(Environment.CurrentDirectory, ".lensai", "data");
        }

        options.Storage.Validate();
        services.AddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IngestMetrics>();
        services.TryAddSingleton(sp => ObjectStoreFactory.Create(options.Storage, sp.GetService<ILoggerFactory>()));
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
            services.AddSingleton(sp => new StripeMeterClient(stripe, null, sp.GetRequiredService<TimeProvider>(), sp.GetService<ILogger<StripeMeterClient>>()));
            services.AddSingleton<IBackendJob>(sp => new StripeSyncJob(sp.GetRequiredService<IObjectStore>(), sp.GetRequiredService<EventStore>(), sp.GetRequiredService<StripeMeterClient>(), stripe, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<StripeSyncJob>>()));
        }

        services.AddSingleton<JobRunner>();
        if (options.RunScheduler)
        {
            services.AddHostedService<JobScheduler>();
        }

        services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(LensAIEndpoints.PerKeyPolicy, context => RateLimitPartition.GetTokenBucketLimiter(
                KeyPartition(context),
                _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = Math.Max(1, options.RateLimitBurst),
                    TokensPerPeriod = Math.Max(1, options.RateLimitPerSecond),
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                }));
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var delay) ? delay : TimeSpan.FromSeconds(1);
                var result = Problems.Of(StatusCodes.Status429TooManyRequests, "rate-limited", "Too many requests",
                    $"This API key is limited to {options.RateLimitPerSecond} requests per second (bursts of {options.RateLimitBurst}). Retry after the delay.",
                    retryAfter: retryAfter < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : retryAfter);
                await result.ExecuteAsync(context.HttpContext).ConfigureAwait(false);
            };
        });
        return services;
    }

    /// <summary>Partitions by the key's public prefix (never the secret); requests without a key share one bucket.</summary>
    private static string KeyPartition(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        var key = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : null;
        return ApiKeyStore.TryParse(key, out var prefix) ? prefix : "anonymous";
    }
}
