using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;
using LensAI.Capture;
using Microsoft.Extensions.AI;
using Microsoft.SemanticKernel;

namespace LensAI.SemanticKernel;

/// <summary>
/// A streamed function result runs after its function invocation filter returned, in the flow of whoever enumerates
/// it: this re-enters the function's attribution scope around each step, so the model calls the stream makes are
/// attributed to the function. The wrapper has the stream's exact element type (Semantic Kernel casts the result back
/// to <c>IAsyncEnumerable&lt;TResult&gt;</c> of the type the caller asked for).
/// </summary>
internal static class AttributedStream
{
    private static readonly MethodInfo s_reenter = typeof(AttributedStream).GetMethod(nameof(Reenter), BindingFlags.NonPublic | BindingFlags.Static)!;

    /// <summary>The result with its stream re-entering <paramref name="scope"/>; the result unchanged when it is not a stream LensAI can wrap.</summary>
    public static FunctionResult Wrap(FunctionResult result, AttributionScope scope)
    {
        var wrapped = result.GetValue<object>() switch
        {
            null => null,
            // The element types Semantic Kernel hands out, without reflection; anything else through its exact type.
            IAsyncEnumerable<StreamingKernelContent> s when ElementTypeIs<StreamingKernelContent>(s) => Reenter(s, scope),
            IAsyncEnumerable<StreamingChatMessageContent> s when ElementTypeIs<StreamingChatMessageContent>(s) => Reenter(s, scope),
            IAsyncEnumerable<string> s when ElementTypeIs<string>(s) => Reenter(s, scope),
            IAsyncEnumerable<ChatResponseUpdate> s when ElementTypeIs<ChatResponseUpdate>(s) => Reenter(s, scope),
            var other => ReenterByReflection(other, scope),
        };
        return wrapped is null ? result : new FunctionResult(result, wrapped);
    }

    private static bool ElementTypeIs<T>(object stream) => ElementType(stream.GetType()) == typeof(T);

    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = "An object keeps the interfaces it is used through; when one is missing the stream is left unattributed, unchanged.")]
    private static Type? ElementType(Type type)
    {
        Type? element = null;
        foreach (var candidate in type.GetInterfaces())
        {
            if (candidate.IsGenericType && candidate.GetGenericTypeDefinition() == typeof(IAsyncEnumerable<>))
            {
                if (element is not null)
                {
                    return null; // more than one element type: which one the caller asked for is unknown
                }

                element = candidate.GetGenericArguments()[0];
            }
        }

        return element;
    }

    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Only when dynamic code is supported; otherwise the stream is left unattributed, unchanged.")]
    [UnconditionalSuppressMessage("Trimming", "IL2060", Justification = "Reenter<T> has no requirements on T.")]
    private static object? ReenterByReflection(object stream, AttributionScope scope)
    {
        if (!RuntimeFeature.IsDynamicCodeSupported || ElementType(stream.GetType()) is not { } element)
        {
            return null;
        }

        return s_reenter.MakeGenericMethod(element).Invoke(null, [stream, scope, CancellationToken.None]);
    }

    private static async IAsyncEnumerable<T> Reenter<T>(IAsyncEnumerable<T> source, AttributionScope scope, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        IAsyncEnumerator<T> steps;
        using (scope.Enter())
        {
            steps = source.GetAsyncEnumerator(cancellationToken);
        }

        try
        {
            while (true)
            {
                bool more;
                using (scope.Enter())
                using (OuterCapture.Suspend())
                {
                    more = await steps.MoveNextAsync().ConfigureAwait(false);
                }

                if (!more)
                {
                    yield break;
                }

                yield return steps.Current;
            }
        }
        finally
        {
            using (scope.Enter())
            {
                await steps.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
