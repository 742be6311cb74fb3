using System.Buffers;
using LensAI.Capture;
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
        // The function's model calls are calls of their own, even when it runs inside a chat client's call (automatic
        // function calling): not owned by a LensAI chat client above, which records only its own model calls.
        using var separate = OuterCapture.Suspend();
        if (IsInlinePrompt(context.Function) && AttributionScope.Current?.Metadata?.ContainsKey(LensAIKernelMetadata.FunctionKey) == true)
        {
            // An inline prompt inside a kernel function (a native function calling kernel.InvokePromptAsync) is that
            // function's call: keep its attribution rather than "(none)/(prompt)".
            await next(context).ConfigureAwait(false);
            return;
        }

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
    /// <c>InvokePromptAsync</c> (and <c>CreateFromPrompt</c> without a name) names its function a prefix, <c>_</c> and 32
    /// hex digits — a new GUID per function (<c>InvokePromptAsync_…</c>, <c>Function_…</c>; <c>func…</c> before SK 1.5x).
    /// Such a name would make the function a dimension with one value per call.
    /// </summary>
    internal static bool IsInlinePrompt(KernelFunction function)
    {
        var name = function.Name.AsSpan();
        if (function.PluginName is not null || name.Length < 36 || name[^32..].IndexOfAnyExcept(s_lowerHex) >= 0)
        {
            return false;
        }

        var prefix = name[..^32];
        return prefix[^1] == '_' || prefix.SequenceEqual("func");
    }
}
