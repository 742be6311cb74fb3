namespace LensAI.Capture;

/// <summary>How the reading of a response ended.</summary>
internal enum CaptureEnd : byte
{
    /// <summary>The body was read to its end (or the provider signalled the end of the stream).</summary>
    Completed,

    /// <summary>The caller disposed the response before the end.</summary>
    Abandoned,

    /// <summary>Reading the body failed (network, timeout, cancellation).</summary>
    Broken,
}
