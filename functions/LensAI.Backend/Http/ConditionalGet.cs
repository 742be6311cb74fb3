using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;

namespace LensAI.Backend.Http;

/// <summary>
/// Conditional GETs: an answer's ETag is a hash of its bytes, and a request whose <c>If-None-Match</c> names it gets a
/// bodiless 304. The dashboard polls the report and the budgets with it, so an unchanged answer costs no transfer and
/// no redraw (the server still builds it).
/// </summary>
internal static class ConditionalGet
{
    /// <summary>The strong ETag of <paramref name="body"/>: a quoted 128-bit SHA-256 prefix.</summary>
    public static string ETagOf(ReadOnlySpan<byte> body) => "\"" + Convert.ToHexStringLower(SHA256.HashData(body))[..32] + "\"";

    /// <summary>
    /// Sets the ETag (and <paramref name="cacheControl"/>) and answers 304 when the request already holds this version
    /// (<c>If-None-Match</c> naming it, or <c>*</c>), else the bytes as <paramref name="contentType"/>.
    /// </summary>
    public static IResult Bytes(HttpContext http, byte[] body, string contentType = "application/json; charset=utf-8", string cacheControl = "private, no-cache")
    {
        ArgumentNullException.ThrowIfNull(http);
        var etag = ETagOf(body);
        http.Response.Headers.ETag = etag;
        http.Response.Headers.CacheControl = cacheControl;
        foreach (var candidate in http.Request.Headers.IfNoneMatch.SelectMany(v => (v ?? string.Empty).Split(',')))
        {
            var tag = candidate.Trim();
            if (tag == "*" || tag == etag || tag == "W/" + etag)
            {
                return Results.StatusCode(StatusCodes.Status304NotModified);
            }
        }

        return Results.Bytes(body, contentType);
    }
}
