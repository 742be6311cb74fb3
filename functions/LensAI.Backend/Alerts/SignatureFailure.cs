namespace LensAI.Backend.Alerts;

/// <summary>Why a signed request was refused.</summary>
internal enum SignatureFailure
{
    /// <summary>Not refused: the signature is good.</summary>
    None,

    /// <summary>No secret is configured to verify with.</summary>
    NoSecret,

    /// <summary>The signature or timestamp header is missing.</summary>
    MissingHeader,

    /// <summary>A header is there but not in the expected form.</summary>
    MalformedHeader,

    /// <summary>The timestamp is outside the allowed window (a replay, or a badly skewed clock).</summary>
    Stale,

    /// <summary>The signature does not match the body and timestamp.</summary>
    BadSignature,
}
