namespace LensAI;

/// <summary>Reads a request's options without creating them (most requests have none: no dictionary per call).</summary>
internal static class ExistingRequestOptions
{
    private static volatile bool s_unavailable;

    /// <summary>The request's options if anything ever created them, else <see langword="null"/>.</summary>
    public static HttpRequestOptions? Of(HttpRequestMessage request)
    {
        if (!s_unavailable)
        {
            try
            {
                return OptionsField(request);
            }
            catch (MissingFieldException)
            {
                s_unavailable = true; // a runtime whose HttpRequestMessage keeps them elsewhere: ask for them
            }
        }

        return request.Options;
    }

    [System.Runtime.CompilerServices.UnsafeAccessor(System.Runtime.CompilerServices.UnsafeAccessorKind.Field, Name = "_options")]
    private static extern ref HttpRequestOptions? OptionsField(HttpRequestMessage request);
}
