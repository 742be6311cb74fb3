using System.Buffers;
using Microsoft.SemanticKernel;

namespace LensAI.SemanticKernel;

/// <summary>
/// Attributes every model call made while a kernel function runs to that function: opens an attribution scope with
/// <see cref="LensAIKernelMetadata.PluginKey"/> and <see cref="LensAIKernelMetadata.FunctionKey"/> around it. Scopes
/// nest, so a call made by a function that automatic function calling invoked is the inner function's, and the model
/// call after it is the outer function's again. A streamed result is re-entered around each step, since it runs after
/// the filter returned. Observes only: the function, its arguments and its result pass through unchanged.
/// </summary>
internal sealed class LensAIFunctionInvocationFilter : IFunctionInvocationFilter
{
    private static readonly SearchValues<char> s_lowerHex = SearchValues.Create("0123456789abcdef");

    public async Task OnFunctionInvocationAsync(FunctionInvocationContext context, Func<FunctionInvocationContext, Task> next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var scope = AttributionScope.Begin(userId: null, route: null, Metadata(context.Function));
        try
        {
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            scope.Dispose();
        }

        if (context.IsStreaming)
        {
            context.Result = AttributedStream.Wrap(context.Result, scope);
        }
    }

    internal static Dictionary<string, string> Metadata(KernelFunction function) => new(2, StringComparer.Ordinal)
    {
        [LensAIKernelMetadata.PluginKey] = string.IsNullOrEmpty(function.PluginName) ? LensAIKernelMetadata.NoPlugin : function.PluginName,
        [LensAIKernelMetadata.FunctionKey] = IsInlinePrompt(function) ? LensAIKernelMetadata.InlinePrompt : function.Name,
    };

    /// <summary>
    /// <c>InvokePromptAsync</c> names its one-off function <c>func</c> + 32 hex digits (a new GUID per call); such a
    /// name would make the function a dimension with one value per call.
    /// </summary>
    private static bool IsInlinePrompt(KernelFunction function)
    {
        var name = function.Name.AsSpan();
        return function.PluginName is null && name.Length == 36 && name.StartsWith("func", StringComparison.Ordinal)
            && name[4..].IndexOfAnyExcept(s_lowerHex) < 0;
    }
}
