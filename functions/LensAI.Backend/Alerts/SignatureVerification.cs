using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace LensAI.Backend.Alerts;

/// <summary>The verdict on a signed request: valid, or why not (safe to log: no secret, no expected signature).</summary>
/// <param name="Failure"><see cref="SignatureFailure.None"/> when valid.</param>
/// <param name="Reason">A short explanation.</param>
internal sealed record SignatureVerification(SignatureFailure Failure, string Reason)
{
    /// <summary>The request is authentic and fresh.</summary>
    public static SignatureVerification Valid { get; } = new(SignatureFailure.None, "valid");

    /// <summary>True when <see cref="Failure"/> is <see cref="SignatureFailure.None"/>.</summary>
    public bool IsValid => Failure == SignatureFailure.None;
}
