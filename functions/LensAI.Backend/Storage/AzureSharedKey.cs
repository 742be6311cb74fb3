using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace LensAI.Backend.Storage;

/// <summary>
/// Azure Storage "Shared Key" authorization for the Blob service (versions 2009-09-19 and later), as the REST
/// documentation ("Authorize with Shared Key") defines it:
/// <code>
/// StringToSign = VERB \n Content-Encoding \n Content-Language \n Content-Length (empty when 0) \n Content-MD5 \n
///                Content-Type \n Date \n If-Modified-Since \n If-Match \n If-None-Match \n If-Unmodified-Since \n
///                Range \n CanonicalizedHeaders CanonicalizedResource
/// Authorization = "SharedKey " + account + ":" + Base64(HMAC-SHA256(Base64Decode(key), UTF8(StringToSign)))
/// </code>
/// CanonicalizedHeaders: every <c>x-ms-*</c> header, names lower-cased, sorted, <c>name:value\n</c>.
/// CanonicalizedResource: <c>/account</c> + the request's encoded path, then each query parameter (name
/// lower-cased, names sorted, name and value URL-decoded, several values sorted and comma-joined) as
/// <c>\nname:value</c>.
/// </summary>
internal static class AzureSharedKey
{
    public static void Authorize(HttpRequestMessage request, string accountName, byte[] accountKey)
    {
        var stringToSign = BuildStringToSign(request, accountName);
        var signature = Sign(stringToSign, accountKey);
        request.Headers.TryAddWithoutValidation("Authorization", $"SharedKey {accountName}:{signature}");
    }

    public static string Sign(string stringToSign, byte[] accountKey)
    {
        var mac = HMACSHA256.HashData(accountKey, Encoding.UTF8.GetBytes(stringToSign));
        return Convert.ToBase64String(mac);
    }

    public static string BuildStringToSign(HttpRequestMessage request, string accountName)
    {
        var uri = request.RequestUri ?? throw new InvalidOperationException("The request has no URI.");
        var content = request.Content?.Headers;
        var contentLength = content?.ContentLength is { } length && length > 0
            ? length.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : "";
        var sb = new StringBuilder(256);
        sb.Append(request.Method.Method.ToUpperInvariant()).Append('\n');
        sb.Append(Header(content, "Content-Encoding")).Append('\n');
        sb.Append(Header(content, "Content-Language")).Append('\n');
        sb.Append(contentLength).Append('\n');
        sb.Append(Header(content, "Content-MD5")).Append('\n');
        sb.Append(Header(content, "Content-Type")).Append('\n');
        sb.Append(Header(request.Headers, "Date")).Append('\n');
        sb.Append(Header(request.Headers, "If-Modified-Since")).Append('\n');
        sb.Append(Header(request.Headers, "If-Match")).Append('\n');
        sb.Append(Header(request.Headers, "If-None-Match")).Append('\n');
        sb.Append(Header(request.Headers, "If-Unmodified-Since")).Append('\n');
        sb.Append(Header(request.Headers, "Range")).Append('\n');
        AppendCanonicalizedHeaders(sb, request);
        AppendCanonicalizedResource(sb, uri, accountName);
        return sb.ToString();
    }

    public static void AppendCanonicalizedHeaders(StringBuilder sb, HttpRequestMessage request)
    {
        var headers = new List<KeyValuePair<string, string>>();
        foreach (var (name, values) in request.Headers.NonValidated)
        {
            if (name.StartsWith("x-ms-", StringComparison.OrdinalIgnoreCase))
            {
                headers.Add(new(name.ToLowerInvariant(), string.Join(",", values).Trim()));
            }
        }

        if (request.Content is not null)
        {
            foreach (var (name, values) in request.Content.Headers.NonValidated)
            {
                if (name.StartsWith("x-ms-", StringComparison.OrdinalIgnoreCase))
                {
                    headers.Add(new(name.ToLowerInvariant(), string.Join(",", values).Trim()));
                }
            }
        }

        headers.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        foreach (var (name, value) in headers)
        {
            sb.Append(name).Append(':').Append(value).Append('\n');
        }
    }

    public static void AppendCanonicalizedResource(StringBuilder sb, Uri uri, string accountName)
    {
        var path = uri.AbsolutePath;
        sb.Append('/').Append(accountName).Append(string.IsNullOrEmpty(path) ? "/" : path);
        var query = uri.Query;
        if (query.Length <= 1)
        {
            return;
        }

        var parameters = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var pair in query[1..].Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]).ToLowerInvariant();
            var value = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..]);
            if (!parameters.TryGetValue(name, out var list))
            {
                parameters[name] = list = [];
            }

            list.Add(value);
        }

        foreach (var (name, values) in parameters)
        {
            values.Sort(StringComparer.Ordinal);
            sb.Append('\n').Append(name).Append(':').Append(string.Join(",", values));
        }
    }

    private static string Header(HttpHeaders? headers, string name)
    {
        if (headers is null || !headers.NonValidated.TryGetValues(name, out var values))
        {
            return "";
        }

        return string.Join(",", values);
    }
}
