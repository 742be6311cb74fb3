using LensAI;
using LensAI.Tokenizers;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Turns on the real tokenizer for LensAI's estimates.</summary>
public static class LensAITokenizerExtensions
{
    /// <summary>
    /// Makes LensAI count the tokens of calls billed without a usage report with <see cref="TiktokenEstimator"/>
    /// (unless <see cref="LensAIOptions.TokenEstimator"/> is set otherwise). Call it beside <c>AddLensAI()</c>, in any order.
    /// </summary>
    public static IServiceCollection AddLensAITokenizer(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<LensAIOptions>().PostConfigure(static o => o.TokenEstimator ??= TiktokenEstimator.Instance);
        return services;
    }

    /// <summary>Sets <see cref="LensAIOptions.TokenEstimator"/> to <see cref="TiktokenEstimator"/> (for a client made without DI).</summary>
    public static LensAIOptions UseTiktokenEstimator(this LensAIOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.TokenEstimator = TiktokenEstimator.Instance;
        return options;
    }
}
