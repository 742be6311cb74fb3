namespace LensAI.Shipping;

/// <summary>The outcome of one POST of one payload.</summary>
internal enum ShipOutcome
{
    /// <summary>The endpoint accepted the batch (some events may have been rejected individually).</summary>
    Delivered,

    /// <summary>The endpoint refused the batch as invalid (400): retrying cannot help.</summary>
    Rejected,

    /// <summary>The batch is too large (413): split it.</summary>
    TooLarge,

    /// <summary>The API key was refused (401/403): keep the data, fix the key.</summary>
    Unauthorized,

    /// <summary>The endpoint could not be reached or kept failing (after retries), or the circuit is open.</summary>
    Unavailable,
}
