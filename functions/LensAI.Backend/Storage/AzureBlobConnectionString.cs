namespace LensAI.Backend.Storage;

/// <summary>
/// The parts of an Azure Storage connection string the Blob client needs. Understands
/// <c>UseDevelopmentStorage=true[;DevelopmentStorageProxyUri=…]</c>, account-key strings
/// (<c>DefaultEndpointsProtocol</c>, <c>AccountName</c>, <c>AccountKey</c>, <c>EndpointSuffix</c>,
/// <c>BlobEndpoint</c>) and SAS strings (<c>BlobEndpoint</c> + <c>SharedAccessSignature</c>).
/// Error messages never repeat the string (it holds a secret).
/// </summary>
public sealed class AzureBlobConnectionString
{
    /// <summary>Azurite's and the old storage emulator's well-known account.</summary>
    public const string DevelopmentAccountName = "devstoreaccount1";

    /// <summary>The well-known (public) key of <see cref="DevelopmentAccountName"/>.</summary>
    public const string DevelopmentAccountKey =
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private AzureBlobConnectionString(Uri blobEndpoint, string? accountName, byte[]? accountKey, string? sas)
    {
        BlobEndpoint = blobEndpoint;
        AccountName = accountName;
        AccountKey = accountKey;
        SharedAccessSignature = sas;
    }

    /// <summary>The blob service endpoint, without a trailing '/'.</summary>
    public Uri BlobEndpoint { get; }

    /// <summary>The account name (needed for Shared Key).</summary>
    public string? AccountName { get; }

    /// <summary>The decoded account key, when the string has one.</summary>
    internal byte[]? AccountKey { get; }

    /// <summary>The SAS query (without '?'), when the string has one.</summary>
    internal string? SharedAccessSignature { get; }

    /// <summary>Parses <paramref name="connectionString"/>; <see cref="ArgumentException"/> names what is missing or wrong.</summary>
    public static AzureBlobConnectionString Parse(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        var parts = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var piece in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = piece.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new ArgumentException("the connection string has a part that is not 'Name=Value'.", nameof(connectionString));
            }

            parts[piece[..eq].Trim()] = piece[(eq + 1)..].Trim();
        }

        if (parts.TryGetValue("UseDevelopmentStorage", out var dev) && dev.Equals("true", StringComparison.OrdinalIgnoreCase))
        {
            var proxy = parts.TryGetValue("DevelopmentStorageProxyUri", out var p) && !string.IsNullOrEmpty(p) ? p.TrimEnd('/') : "http://127.0.0.1";
            var proxyUri = ParseEndpoint(proxy, "DevelopmentStorageProxyUri");
            var endpoint = new UriBuilder(proxyUri) { Port = 10000, Path = "/" + DevelopmentAccountName }.Uri;
            return new AzureBlobConnectionString(endpoint, DevelopmentAccountName, Convert.FromBase64String(DevelopmentAccountKey), null);
        }

        parts.TryGetValue("AccountName", out var accountName);
        parts.TryGetValue("AccountKey", out var accountKeyText);
        parts.TryGetValue("SharedAccessSignature", out var sas);
        Uri blobEndpoint;
        if (parts.TryGetValue("BlobEndpoint", out var explicitEndpoint) && !string.IsNullOrEmpty(explicitEndpoint))
        {
            blobEndpoint = ParseEndpoint(explicitEndpoint.TrimEnd('/'), "BlobEndpoint");
        }
        else
        {
            if (string.IsNullOrEmpty(accountName))
            {
                throw new ArgumentException("the connection string has neither BlobEndpoint nor AccountName.", nameof(connectionString));
            }

            var protocol = parts.TryGetValue("DefaultEndpointsProtocol", out var proto) && !string.IsNullOrEmpty(proto) ? proto.ToLowerInvariant() : "https";
            if (protocol is not ("http" or "https"))
            {
                throw new ArgumentException("DefaultEndpointsProtocol must be http or https.", nameof(connectionString));
            }

            var suffix = parts.TryGetValue("EndpointSuffix", out var s) && !string.IsNullOrEmpty(s) ? s : "core.windows.net";
            blobEndpoint = ParseEndpoint($"{protocol}://{accountName}.blob.{suffix}", "AccountName/EndpointSuffix");
        }

        byte[]? key = null;
        if (!string.IsNullOrEmpty(accountKeyText))
        {
            if (string.IsNullOrEmpty(accountName))
            {
                throw new ArgumentException("the connection string has an AccountKey but no AccountName.", nameof(connectionString));
            }

            try
            {
                key = Convert.FromBase64String(accountKeyText);
            }
            catch (FormatException)
            {
                throw new ArgumentException("AccountKey is not valid base64.", nameof(connectionString));
            }
        }

        if (key is null && string.IsNullOrEmpty(sas))
        {
            throw new ArgumentException("the connection string has neither AccountKey nor SharedAccessSignature.", nameof(connectionString));
        }

        return new AzureBlobConnectionString(blobEndpoint, accountName, key, string.IsNullOrEmpty(sas) ? null : sas.TrimStart('?'));
    }

    private static Uri ParseEndpoint(string value, string name)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"{name} in the connection string is not an absolute http(s) URL.", nameof(value));
        }

        return uri;
    }
}
