using Microsoft.Extensions.Logging;

namespace LensAI.Backend.Storage;

/// <summary>Storage log messages. None of them ever carries a key, token, signature or connection string.</summary>
internal static partial class StorageLog
{
    [LoggerMessage(100, LogLevel.Information, "Object store: {Description}.")]
    public static partial void Created(ILogger logger, string description);

    [LoggerMessage(101, LogLevel.Warning, "{Store} {Method} attempt {Attempt} of at most {MaxAttempts} failed ({Reason}).")]
    public static partial void AttemptFailed(ILogger logger, string store, string method, int attempt, int maxAttempts, string reason);

    [LoggerMessage(102, LogLevel.Information, "Azure Blob container '{Container}' created.")]
    public static partial void ContainerCreated(ILogger logger, string container);

    [LoggerMessage(103, LogLevel.Debug, "Local store: could not remove leftover file '{Path}': {Reason}.")]
    public static partial void CleanupFailed(ILogger logger, string path, string reason);
}
