using Microsoft.Extensions.Logging;

namespace LensAI.Diagnostics;

/// <summary>Source-generated log messages of the SDK. API keys, prompts and responses are never logged.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Warning, "LensAI has no price for {Provider} model '{Model}': its calls are recorded with cost_usd = null. Add a price override to price them.")]
    public static partial void UnpricedModel(ILogger logger, string provider, string model);

    [LoggerMessage(2, LogLevel.Warning, "LensAI could not read usage from a {Provider} {Operation} response; the call itself was not affected. (Logged once per provider and operation.)")]
    public static partial void CaptureFailed(ILogger logger, string provider, string operation, Exception exception);

    [LoggerMessage(3, LogLevel.Warning, "LensAI dropped {Count} event(s): {Reason}.")]
    public static partial void Dropped(ILogger logger, long count, string reason);

    [LoggerMessage(4, LogLevel.Information, "LensAI could not reach {Endpoint} ({Reason}); {Count} event(s) spooled to disk for replay.")]
    public static partial void Spooled(ILogger logger, Uri endpoint, string reason, int count);

    [LoggerMessage(5, LogLevel.Warning, "LensAI ingest rejected {Count} event(s): {Detail}")]
    public static partial void Rejected(ILogger logger, int count, string detail);

    [LoggerMessage(6, LogLevel.Error, "LensAI ingest refused the API key (HTTP {Status}); events are kept in the spool until the key is fixed.")]
    public static partial void Unauthorized(ILogger logger, int status);

    [LoggerMessage(7, LogLevel.Information, "LensAI replayed {Count} spooled event(s).")]
    public static partial void Replayed(ILogger logger, int count);

    [LoggerMessage(8, LogLevel.Warning, "LensAI spool operation failed in {Directory}.")]
    public static partial void SpoolFailed(ILogger logger, string directory, Exception exception);

    [LoggerMessage(9, LogLevel.Error, "LensAI background shipping failed unexpectedly; it keeps running.")]
    public static partial void ShippingLoopFailed(ILogger logger, Exception exception);

    [LoggerMessage(10, LogLevel.Warning, "LensAI shutdown: {Count} event(s) could not be shipped in time and were spooled.")]
    public static partial void ShutdownSpooled(ILogger logger, long count);

    [LoggerMessage(11, LogLevel.Warning, "LensAI could not read the budget status from {Uri} ({Reason}); the last known status stays in force. (Rate-limited.)")]
    public static partial void BudgetPollFailed(ILogger logger, Uri uri, string reason, Exception? exception);

    [LoggerMessage(12, LogLevel.Information, "LensAI budget status read again from {Uri} after {Failures} failed poll(s).")]
    public static partial void BudgetPollRecovered(ILogger logger, Uri uri, int failures);

    [LoggerMessage(13, LogLevel.Warning, "LensAI budget '{BudgetId}' ({Scope} {ScopeValue}, {Period}) is exhausted: {Detail}. The call was allowed (budget mode Warn). (Rate-limited per budget.)")]
    public static partial void BudgetWarning(ILogger logger, string budgetId, string scope, string? scopeValue, string period, string detail);

    [LoggerMessage(14, LogLevel.Warning, "LensAI budget '{BudgetId}' ({Scope} {ScopeValue}, {Period}) blocked a call: {Detail}. (Rate-limited per budget.)")]
    public static partial void BudgetBlocked(ILogger logger, string budgetId, string scope, string? scopeValue, string period, string detail);

    [LoggerMessage(15, LogLevel.Warning, "LensAI budget guard failed; the call was allowed. (Logged once.)")]
    public static partial void BudgetGuardFailed(ILogger logger, Exception exception);

    [LoggerMessage(16, LogLevel.Information, "LensAI released {Count} budget reservation(s) of calls that never completed within {Timeout}.")]
    public static partial void BudgetReservationsExpired(ILogger logger, int count, TimeSpan timeout);
}
