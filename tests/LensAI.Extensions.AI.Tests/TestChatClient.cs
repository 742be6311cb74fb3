using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace LensAI.Extensions.AI.Tests;

/// <summary>A hand-written, Func-based <see cref="IChatClient"/>: each test decides every answer.</summary>
internal sealed class TestChatClient : IChatClient
{
    public Func<IEnumerable<ChatMessage>, ChatOptions?, CancellationToken, Task<ChatResponse>>? GetResponseAsyncCallback { get; set; }

    public Func<IEnumerable<ChatMessage>, ChatOptions?, CancellationToken, IAsyncEnumerable<ChatResponseUpdate>>? GetStreamingResponseAsyncCallback { get; set; }

    public ChatClientMetadata? Metadata { get; set; }

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        => GetResponseAsyncCallback!(messages, options, cancellationToken);

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        => GetStreamingResponseAsyncCallback!(messages, options, cancellationToken);

    public object? GetService(Type serviceType, object? serviceKey = null)
        => serviceKey is not null ? null
            : serviceType == typeof(ChatClientMetadata) ? Metadata
            : serviceType.IsInstanceOfType(this) ? this
            : null;

    public void Dispose()
    {
    }
}

/// <summary>A stream of updates for <see cref="TestChatClient"/> that notes how far it was read and whether it was disposed.</summary>
internal sealed class TestStream(IReadOnlyList<ChatResponseUpdate> updates, Action<int>? beforeEach = null, int? failAt = null, Exception? failure = null)
{
    public int Yielded { get; private set; }

    public bool Disposed { get; private set; }

    public async IAsyncEnumerable<ChatResponseUpdate> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        try
        {
            for (var i = 0; i < updates.Count; i++)
            {
                await Task.Yield();
                cancellationToken.ThrowIfCancellationRequested();
                if (i == failAt)
                {
                    throw failure ?? new IOException("The connection was reset (simulated).");
                }

                beforeEach?.Invoke(i);
                Yielded++;
                yield return updates[i];
            }
        }
        finally
        {
            Disposed = true;
        }
    }
}
