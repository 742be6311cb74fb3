using LensAI;
using LensAI.SemanticKernel;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.SemanticKernel;

/// <summary>Adds LensAI to a Semantic Kernel <see cref="IKernelBuilder"/>.</summary>
public static class LensAIKernelBuilderExtensions
{
    /// <summary>
    /// Records every model call the kernel makes — once each, with its provider, model, tokens, cost, latency and
    /// status — and attributes it to the plugin and function it was made for (<see cref="LensAIKernelMetadata"/>).
    /// </summary>
    /// <remarks>
    /// <para><b>What is captured.</b> Semantic Kernel's own connectors (<c>AddOpenAIChatCompletion</c>,
    /// <c>AddAzureOpenAIChatCompletion</c>, <c>AddOpenAIChatClient</c>…) send through the <see cref="HttpClient"/>
    /// they find in the kernel's services when none is passed to them: LensAI registers one that captures on the wire
    /// (unless the app registered its own: build that one on <see cref="LensAIClient.CreateHandler"/>, or take it from
    /// an <c>IHttpClientFactory</c> client with <c>AddLensAI()</c>), so each model call is one event with the provider's
    /// exact usage — the calls inside a connector's automatic function calling loop too. Every <c>IChatClient</c>
    /// service (<c>AddChatClient</c>) goes through the LensAI middleware of <c>LensAI.Extensions.AI</c>, unless it
    /// already contains it (<c>UseLensAI</c>); HTTP calls captured beneath it are owned by it, so nothing is counted
    /// twice.</para>
    /// <para><b>Call it after registering the chat services</b>, like any decorator: an <c>IChatClient</c> added later
    /// is not wrapped (connectors that take the kernel's HttpClient are captured whatever the order).</para>
    /// <para><b>Not captured</b>: a connector given its own <see cref="HttpClient"/> or client object — give it
    /// <see cref="LensAIClient.CreateHttpClient"/>, or LensAI.OpenAI's <c>options.UseLensAI(lens)</c>, instead.</para>
    /// <para><b>Per call or per turn.</b> An <c>IChatClient</c> that invokes functions itself and is not captured on the
    /// wire is recorded once per turn (its usage summed over the turn's model calls); put <c>UseLensAI</c> below
    /// <c>UseFunctionInvocation</c> to get one event per model call there.</para>
    /// <para><b>Budgets</b> are checked before each call is sent; a blocked call throws
    /// <see cref="LensAIBudgetExceededException"/> and is recorded with status <c>blocked</c>.</para>
    /// </remarks>
    /// <example>
    /// <code>
    /// IKernelBuilder builder = Kernel.CreateBuilder();
    /// builder.AddOpenAIChatCompletion("gpt-4o-mini", apiKey);
    /// builder.AddLensAI(lens);
    /// Kernel kernel = builder.Build();
    /// </code>
    /// </example>
    /// <param name="builder">The kernel builder.</param>
    /// <param name="lens">The LensAI client that prices and ships the events.</param>
    /// <returns>The same builder.</returns>
    public static IKernelBuilder AddLensAI(this IKernelBuilder builder, LensAIClient lens)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(lens);
        KernelServices.Add(builder.Services, _ => lens);
        return builder;
    }

    /// <summary>
    /// Like <see cref="AddLensAI(IKernelBuilder, LensAIClient)"/>, with the <see cref="LensAIClient"/> registered in the
    /// kernel's services (<c>services.AddLensAI()</c>), e.g. <c>services.AddKernel().AddLensAI()</c>.
    /// </summary>
    /// <param name="builder">The kernel builder.</param>
    /// <returns>The same builder.</returns>
    public static IKernelBuilder AddLensAI(this IKernelBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        KernelServices.Add(builder.Services, static sp => sp.GetRequiredService<LensAIClient>());
        return builder;
    }
}
