using Microsoft.Extensions.Logging;

namespace LensAI.Backend.Alerts;

/// <summary>Delivery log messages (Slack, webhook). None of them ever carries a webhook URL, token, key or secret.</summary>
internal static partial class AlertLog
{
    [LoggerMessage(700, LogLevel.Warning, "{Channel} {Operation} attempt {Attempt} failed ({Reason}); retrying in {DelayMs} ms.")]
    public static partial void Retrying(ILogger logger, string channel, string operation, int attempt, string reason, long delayMs);

    [LoggerMessage(701, LogLevel.Debug, "{Channel} {Operation} delivered after {Attempts} attempt(s).")]
    public static partial void Delivered(ILogger logger, string channel, string operation, int attempts);

    [LoggerMessage(702, LogLevel.Warning, "{Channel} {Operation} not delivered ({Kind}) after {Attempts} attempt(s): {Message}")]
    public static partial void NotDelivered(ILogger logger, string channel, string operation, string kind, int attempts, string message);
}
