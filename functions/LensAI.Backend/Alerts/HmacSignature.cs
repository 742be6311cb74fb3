using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace LensAI.Backend.Alerts;

/// <summary>The HMAC-SHA256 checks shared by the Slack and webhook verifiers.</summary>
internal static class HmacSignature
{
    /// <summary>Lower-case hex HMAC-SHA256 of <c>prefix</c> followed by <c>body</c>.</summary>
    public static string ComputeHex(string secret, string prefix, ReadOnlySpan<byte> body)
    {
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        Compute(secret, prefix, body, mac);
        return Convert.ToHexStringLower(mac);
    }

    /// <summary>
    /// Verifies <paramref name="signatureHeader"/> (<paramref name="scheme"/> then hex) against a MAC of
    /// <paramref name="prefixFor"/>(timestamp) + <paramref name="body"/>, after the timestamp window check; constant-time compare.
    /// </summary>
    public static SignatureVerification Verify(
        string? secret,
        string? timestampHeader,
        string? signatureHeader,
        ReadOnlySpan<byte> body,
        DateTimeOffset now,
        TimeSpan tolerance,
        string scheme,
        Func<string, string> prefixFor,
        string timestampName,
        string signatureName)
    {
        if (string.IsNullOrEmpty(secret))
        {
            return new(SignatureFailure.NoSecret, "no secret is configured to verify signatures with");
        }

        if (string.IsNullOrWhiteSpace(timestampHeader))
        {
            return new(SignatureFailure.MissingHeader, $"missing {timestampName} header");
        }

        if (string.IsNullOrWhiteSpace(signatureHeader))
        {
            return new(SignatureFailure.MissingHeader, $"missing {signatureName} header");
        }

        var timestampText = timestampHeader.Trim();
        if (!long.TryParse(timestampText, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
        {
            return new(SignatureFailure.MalformedHeader, $"{timestampName} is not a unix time in seconds");
        }

        var age = now - DateTimeOffset.FromUnixTimeSeconds(seconds);
        if (age.Duration() > tolerance)
        {
            return new(SignatureFailure.Stale,
                $"{timestampName} is {Math.Round(age.Duration().TotalSeconds).ToString(CultureInfo.InvariantCulture)} s " +
                $"{(age < TimeSpan.Zero ? "in the future" : "old")}, outside the {tolerance.TotalMinutes.ToString(CultureInfo.InvariantCulture)}-minute window");
        }

        var signature = signatureHeader.Trim();
        if (!signature.StartsWith(scheme, StringComparison.Ordinal))
        {
            return new(SignatureFailure.MalformedHeader, $"{signatureName} does not start with '{scheme}'");
        }

        var hex = signature.AsSpan(scheme.Length);
        Span<byte> given = stackalloc byte[HMACSHA256.HashSizeInBytes];
        if (hex.Length != HMACSHA256.HashSizeInBytes * 2
            || Convert.FromHexString(hex, given, out _, out var written) != System.Buffers.OperationStatus.Done
            || written != given.Length)
        {
            return new(SignatureFailure.MalformedHeader, $"{signatureName} is not '{scheme}' followed by 64 hex digits");
        }

        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        Compute(secret, prefixFor(timestampText), body, expected);
        return CryptographicOperations.FixedTimeEquals(expected, given)
            ? SignatureVerification.Valid
            : new(SignatureFailure.BadSignature, $"{signatureName} does not match the request body and timestamp");
    }

    private static void Compute(string secret, string prefix, ReadOnlySpan<byte> body, Span<byte> destination)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret));
        hmac.AppendData(Encoding.UTF8.GetBytes(prefix));
        hmac.AppendData(body);
        hmac.GetHashAndReset(destination);
    }
}
