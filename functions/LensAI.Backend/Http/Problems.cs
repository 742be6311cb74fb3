using Microsoft.AspNetCore.Http;

namespace LensAI.Backend.Http;

/// <summary>RFC 9457 problem+json answers with a stable <c>type</c> per problem.</summary>
internal static class Problems
{
    public const string Base = "https://lensai.dev/problems/";

    /// <summary>A text from the request, cut to 200 characters for an error list (so no answer grows with the input).</summary>
    public static string Clip(string text) => text.Length <= 200 ? text : text[..200] + "…";

    public static IResult Of(int status, string type, string title, string detail, IDictionary<string, object?>? extensions = null, TimeSpan? retryAfter = null)
    {
        var result = Results.Problem(detail: detail, statusCode: status, title: title, type: Base + type, extensions: extensions);
        return retryAfter is { } delay ? new WithRetryAfter(result, delay) : result;
    }

    private sealed class WithRetryAfter(IResult inner, TimeSpan delay) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(delay.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return inner.ExecuteAsync(httpContext);
        }
    }
}
