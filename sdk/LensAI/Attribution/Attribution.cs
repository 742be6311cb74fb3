namespace LensAI;

/// <summary>Resolved attribution of one call.</summary>
internal readonly record struct Attribution(string? UserId, string? Route, IReadOnlyDictionary<string, string>? Metadata)
{
    public static Attribution Resolve(HttpRequestMessage? request, string? userId = null, string? route = null, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var scope = AttributionScope.Current;
        string? reqUser = null, reqRoute = null;
        IReadOnlyDictionary<string, string>? reqMetadata = null;
        if (request is not null && ExistingRequestOptions.Of(request) is { } options)
        {
            options.TryGetValue(LensAIRequestOptions.UserId, out reqUser);
            options.TryGetValue(LensAIRequestOptions.Route, out reqRoute);
            options.TryGetValue(LensAIRequestOptions.Metadata, out reqMetadata);
        }

        return new Attribution(
            userId ?? reqUser ?? scope?.UserId,
            route ?? reqRoute ?? scope?.Route,
            AttributionScope.Merge(AttributionScope.Merge(scope?.Metadata, reqMetadata), metadata));
    }
}
