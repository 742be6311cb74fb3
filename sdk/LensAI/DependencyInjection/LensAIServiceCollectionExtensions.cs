using LensAI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers LensAI in a service collection.</summary>
public static class LensAIServiceCollectionExtensions
{
    /// <summary>
    /// Adds a singleton <see cref="LensAIClient"/> configured from the <c>LensAI</c> configuration section, and a hosted
    /// service that flushes it when the host stops. Options are validated at start-up.
    /// </summary>
    public static IServiceCollection AddLensAI(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<LensAIOptions>().BindConfiguration(LensAIOptions.SectionName);
        return AddCore(services);
    }

    /// <summary>Adds LensAI configured from <paramref name="configuration"/> (a section shaped like <see cref="LensAIOptions"/>).</summary>
    public static IServiceCollection AddLensAI(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<LensAIOptions>().Bind(configuration);
        return AddCore(services);
    }

    /// <summary>Adds LensAI configured by <paramref name="configure"/> (applied after the <c>LensAI</c> configuration section).</summary>
    public static IServiceCollection AddLensAI(this IServiceCollection services, Action<LensAIOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<LensAIOptions>().BindConfiguration(LensAIOptions.SectionName).Configure(configure);
        return AddCore(services);
    }

    private static IServiceCollection AddCore(IServiceCollection services)
    {
        services.AddOptions<LensAIOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LensAIOptions>, LensAIOptionsValidator>());
        services.TryAddSingleton(static sp => new LensAIClient(
            sp.GetRequiredService<IOptions<LensAIOptions>>().Value,
            sp.GetService<ILoggerFactory>(),
            sp.GetService<TimeProvider>() ?? TimeProvider.System));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, LensAIHostedService>());
        return services;
    }
}
