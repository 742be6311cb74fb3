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

/// <summary>Adds LensAI capture to a named or typed <see cref="HttpClient"/>.</summary>
public static class LensAIHttpClientBuilderExtensions
{
    /// <summary>
    /// Captures the LLM API calls made through this client: <c>services.AddHttpClient("openai").AddLensAI()</c>.
    /// Requires <c>services.AddLensAI(…)</c>.
    /// </summary>
    public static IHttpClientBuilder AddLensAI(this IHttpClientBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddHttpMessageHandler(static sp => sp.GetRequiredService<LensAIClient>().CreateHandler());
    }
}

internal sealed class LensAIOptionsValidator : IValidateOptions<LensAIOptions>
{
    public ValidateOptionsResult Validate(string? name, LensAIOptions options)
    {
        var errors = options.Validate();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>Flushes LensAI when the host stops (the container then disposes the client, which spools anything left).</summary>
internal sealed class LensAIHostedService(LensAIClient client) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await client.FlushAsync(client.Options.ShutdownTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The host's own shutdown deadline won; DisposeAsync spools what is left.
        }
    }
}
