using LensAI;

namespace Microsoft.Extensions.DependencyInjection;

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
