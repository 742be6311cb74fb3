namespace LensAI;

/// <summary>
/// The <see cref="UsageEvent.Metadata"/> keys LensAI's Semantic Kernel integration sets on every model call made while
/// a kernel function runs: which plugin and function the call was made for, so cost per plugin and per function is a
/// query away (<c>GROUP BY metadata['sk.plugin'], metadata['sk.function']</c>).
/// </summary>
public static class LensAIKernelMetadata
{
    /// <summary>Key of the plugin of the innermost kernel function running when the call was made.</summary>
    public const string PluginKey = "sk.plugin";

    /// <summary>Key of the innermost kernel function running when the call was made.</summary>
    public const string FunctionKey = "sk.function";

    /// <summary>
    /// The plugin recorded for a function that belongs to none (<c>kernel.InvokeAsync(function)</c> on a function
    /// made outside a plugin, or <c>InvokePromptAsync</c>). Kernel plugin names are letters, digits and underscores,
    /// so this never collides with a real one.
    /// </summary>
    public const string NoPlugin = "(none)";

    /// <summary>
    /// The function recorded for an inline prompt (<c>kernel.InvokePromptAsync</c>), whose function name Semantic
    /// Kernel makes up for each call (<c>InvokePromptAsync_</c> + a GUID): one value instead of one per call. An inline prompt run inside another kernel
    /// function (a native function calling <c>InvokePromptAsync</c>) keeps that function's plugin and name instead.
    /// </summary>
    public const string InlinePrompt = "(prompt)";
}
