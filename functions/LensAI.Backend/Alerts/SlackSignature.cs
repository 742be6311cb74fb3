using Microsoft.AspNetCore.Http;

namespace LensAI.Backend.Alerts;

/// <summary>
/// Verifies that a request came from Slack (interactivity: the budget buttons): <c>X-Slack-Signature</c> must be
/// <c>v0=</c> + the hex HMAC-SHA256, keyed with the app's signing secret, of <c>v0:{X-Slack-Request-Timestamp}:{raw body}</c>;
/// the timestamp must be within five minutes of now (replay window); the compare is constant-time. Verify the raw
/// body bytes exactly as received, before any form or JSON parsing.
/// </summary>
internal static class SlackSignature
{
    /// <summary>The signature header.</summary>
    public const string SignatureHeader = "X-Slack-Signature";

    /// <summary>The timestamp header (unix seconds).</summary>
    public const string TimestampHeader = "X-Slack-Request-Timestamp";

    /// <summary>The signature version Slack uses.</summary>
    public const string Version = "v0";

    /// <summary>The replay window: a request older (or newer) than this is refused.</summary>
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromMinutes(5);

    /// <summary>Verifies a request's headers against its raw body.</summary>
    /// <param name="signingSecret">The app's signing secret.</param>
    /// <param name="timestampHeader">The value of <c>X-Slack-Request-Timestamp</c>.</param>
    /// <param name="signatureHeader">The value of <c>X-Slack-Signature</c>.</param>
    /// <param name="body">The raw request body.</param>
    /// <param name="now">The current time (from the host's <see cref="TimeProvider"/>).</param>
    /// <param name="tolerance">The replay window; default five minutes.</param>
    public static SignatureVerification Verify(string? signingSecret, string? timestampHeader, string? signatureHeader, ReadOnlySpan<byte> body,
        DateTimeOffset now, TimeSpan? tolerance = null) =>
        HmacSignature.Verify(signingSecret, timestampHeader, signatureHeader, body, now, tolerance ?? DefaultTolerance,
            Version + "=", static ts => Version + ":" + ts + ":", TimestampHeader, SignatureHeader);

    /// <summary>Verifies an ASP.NET Core request's headers against its raw body (read it into a buffer first).</summary>
    public static SignatureVerification Verify(string? signingSecret, IHeaderDictionary headers, ReadOnlySpan<byte> body, TimeProvider timeProvider,
        TimeSpan? tolerance = null)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(timeProvider);
        return Verify(signingSecret, headers[TimestampHeader].ToString(), headers[SignatureHeader].ToString(), body, timeProvider.GetUtcNow(), tolerance);
    }

    /// <summary>The signature Slack would send: <c>v0=</c> + hex HMAC-SHA256 of <c>v0:{timestamp}:{body}</c>.</summary>
    public static string Compute(string signingSecret, string timestamp, ReadOnlySpan<byte> body)
    {
        ArgumentException.ThrowIfNullOrEmpty(signingSecret);
        ArgumentException.ThrowIfNullOrEmpty(timestamp);
        return Version + "=" + HmacSignature.ComputeHex(signingSecret, Version + ":" + timestamp + ":", body);
    }
}
