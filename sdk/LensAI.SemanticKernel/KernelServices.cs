using System.Runtime.CompilerServices;
using LensAI.Extensions.AI;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.SemanticKernel;

namespace LensAI.SemanticKernel;

/// <summary>What <c>AddLensAI</c> does to a kernel's service collection.</summary>
internal static class KernelServices
{
    /// <summary>One handler chain (and so one connection pool) per LensAI client, shared by every kernel it instruments.</summary>
    private static readonly ConditionalWeakTable<LensAIClient, HttpMessageHandler> s_handlers = new();

    public static void Add(IServiceCollection services, Func<IServiceProvider, LensAIClient> lens)
    {
        if (services.Any(d => d.ServiceType == typeof(Marker)))
        {
            return; // added already
        }

        services.AddSingleton<Marker>();

        // 1. Attribution: the plugin and function of every model call.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IFunctionInvocationFilter, LensAIFunctionInvocationFilter>());

        // 2. IChatClient services (AddChatClient, AddOpenAIChatClient…) go through the LensAI middleware, unless they
        //    already contain it: one event per call, and the HTTP calls captured beneath it are owned by it.
        for (var i = 0; i < services.Count; i++)
        {
            if (services[i].ServiceType == typeof(IChatClient))
            {
                services[i] = DecorateChatClient(services[i], lens);
            }
        }

        // 3. The HttpClient SK's connectors take from the kernel when none is passed to them (AddOpenAIChatCompletion,
        //    AddAzureOpenAIChatCompletion…): captured on the wire, one event per model call, inside the connectors'
        //    own automatic function calling too. An HttpClient the app registered is its own and is kept (an HttpClient
        //    cannot be put behind another one): it captures if the app built it on LensAI's handler.
        services.TryAddSingleton(sp => new HttpClient(SharedHandler(lens(sp)), disposeHandler: false));
    }

    private static ServiceDescriptor DecorateChatClient(ServiceDescriptor descriptor, Func<IServiceProvider, LensAIClient> lens)
    {
        if (descriptor.IsKeyedService)
        {
            var ownedKeyed = descriptor.KeyedImplementationInstance is null;
            return new ServiceDescriptor(
                typeof(IChatClient),
                descriptor.ServiceKey,
                (sp, key) => Wrap((IChatClient)CreateKeyed(descriptor, sp, key), lens(sp), ownedKeyed),
                descriptor.Lifetime);
        }

        var owned = descriptor.ImplementationInstance is null;
        return new ServiceDescriptor(typeof(IChatClient), sp => Wrap((IChatClient)Create(descriptor, sp), lens(sp), owned), descriptor.Lifetime);
    }

    /// <summary>The client with the LensAI middleware on top, unless it contains it already.</summary>
    /// <param name="client">The registered chat client.</param>
    /// <param name="lens">The LensAI client.</param>
    /// <param name="owned">Whether the container made the client (and so disposes it, through the wrapper); an instance the app registered is the app's.</param>
    private static IChatClient Wrap(IChatClient client, LensAIClient lens, bool owned)
        => client.GetService(typeof(LensAIChatClient)) is not null
            ? client // UseLensAI is in there already: wrapping again would change nothing but the budget check's place
            : new LensAIChatClient(client, lens.Engine, providerName: null, disposeInner: owned);

    private static object Create(ServiceDescriptor descriptor, IServiceProvider services)
        => descriptor.ImplementationInstance
            ?? descriptor.ImplementationFactory?.Invoke(services)
            ?? ActivatorUtilities.CreateInstance(services, descriptor.ImplementationType!);

    private static object CreateKeyed(ServiceDescriptor descriptor, IServiceProvider services, object? key)
        => descriptor.KeyedImplementationInstance
            ?? descriptor.KeyedImplementationFactory?.Invoke(services, key)
            ?? ActivatorUtilities.CreateInstance(services, descriptor.KeyedImplementationType!);

    private static HttpMessageHandler SharedHandler(LensAIClient lens)
        => s_handlers.GetValue(lens, static l => l.CreateHandler(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }));

    /// <summary>Marks a service collection LensAI was added to.</summary>
    private sealed class Marker;
}
