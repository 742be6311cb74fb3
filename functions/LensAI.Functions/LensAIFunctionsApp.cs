using Microsoft.Extensions.DependencyInjection;
using Microsoft.Azure.Functions.Worker.Builder;

namespace LensAI.Functions;

/// <summary>The worker's composition, kept out of <c>Program</c> so tests build the same host without starting it.</summary>
internal static class LensAIFunctionsApp
{
    /// <summary>
    /// The ASP.NET Core integration (functions take <c>HttpRequest</c> and return <c>IResult</c>) and the backend's one
    /// composition root, <see cref="LensAIBackendServiceCollectionExtensions.AddLensAIBackend"/>, bound from the same
    /// <c>LensAI:Backend</c> settings as the ASP.NET Core app (app settings arrive as environment variables:
    /// <c>LensAI__Backend__Storage__Kind</c>) and validated when the host starts. There is no in-process job scheduler
    /// here: the timer functions run the jobs.
    /// </summary>
    public static FunctionsApplicationBuilder ConfigureLensAIFunctions(this FunctionsApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ConfigureFunctionsWebApplication();
        builder.Services.AddLensAIBackend(builder.Configuration);
        return builder;
    }
}
