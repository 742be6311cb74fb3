using System.Globalization;

namespace LensAI.Backend.Storage;

/// <summary>
/// Azure Blob Storage (or Azurite), through <c>Azure.Storage.Blobs</c>. Authenticate with exactly one of: a
/// <see cref="ConnectionString"/>; or <see cref="AccountUrl"/> plus one of <see cref="AccountKey"/>,
/// <see cref="SasToken"/> (or a SAS already in the URL), <see cref="UseManagedIdentity"/>, or a
/// <c>TokenCredential</c> given in code.
/// </summary>
public sealed class AzureBlobStoreOptions
{
    /// <summary>The largest single Put Blob the service accepts (5,000 MiB); bigger files always go in blocks.</summary>
    public const long ServiceSinglePutLimit = 5000L * 1024 * 1024;

    /// <summary>
    /// The Blob service version the client sends by default: the newest that Azurite 3.37 accepts (the client library
    /// knows newer ones, which Azurite refuses with 400 InvalidHeaderValue). Azure accepts it too.
    /// </summary>
    public const string DefaultServiceVersion = "2026-06-06";

    /// <summary>
    /// A storage connection string: <c>UseDevelopmentStorage=true</c> (Azurite), or
    /// <c>DefaultEndpointsProtocol=https;AccountName=…;AccountKey=…[;EndpointSuffix=…|;BlobEndpoint=…]</c>, or one
    /// with <c>SharedAccessSignature=…</c>. Parsed by the Azure SDK. Never logged. Either this or <see cref="AccountUrl"/>.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// Blob endpoint (<c>https://myaccount.blob.core.windows.net</c>, or <c>http://127.0.0.1:10000/devstoreaccount1</c>
    /// for Azurite), used with <see cref="AccountKey"/>, <see cref="SasToken"/>, <see cref="UseManagedIdentity"/> or a
    /// code-supplied credential; it may itself carry a SAS (<c>…?sv=…&amp;sig=…</c>, never logged). Either this or
    /// <see cref="ConnectionString"/>.
    /// </summary>
    public string? AccountUrl { get; set; }

    /// <summary>Account name for <see cref="AccountKey"/>; default: the account named in <see cref="AccountUrl"/>.</summary>
    public string? AccountName { get; set; }

    /// <summary>Account key (base64) for Shared Key auth with <see cref="AccountUrl"/>. Never logged.</summary>
    public string? AccountKey { get; set; }

    /// <summary>
    /// A SAS token (<c>sv=…&amp;sig=…</c>, with or without the leading <c>?</c>) for <see cref="AccountUrl"/>, sent as an
    /// <c>AzureSasCredential</c>. Needs read, add, create, write, delete and list permissions. Never logged.
    /// </summary>
    public string? SasToken { get; set; }

    /// <summary>The container.</summary>
    public string? Container { get; set; }

    /// <summary>Optional key prefix inside the container; listed keys come back without it.</summary>
    public string? Prefix { get; set; }

    /// <summary>
    /// Authenticate with Microsoft Entra ID: <c>DefaultAzureCredential</c> (managed identity, workload identity,
    /// environment, Azure CLI…), token scope <c>https://storage.azure.com/.default</c>. Needs an https
    /// <see cref="AccountUrl"/>; the identity needs the "Storage Blob Data Contributor" role.
    /// </summary>
    public bool UseManagedIdentity { get; set; }

    /// <summary>Client id of a user-assigned managed identity (optional, with <see cref="UseManagedIdentity"/>).</summary>
    public string? ManagedIdentityClientId { get; set; }

    /// <summary>Create the container on first use when it does not exist.</summary>
    public bool CreateContainerIfMissing { get; set; }

    /// <summary>
    /// The Blob service version (<c>x-ms-version</c>) the client sends, <c>yyyy-MM-dd</c>. The default, 2026-06-06,
    /// is the newest Azurite 3.37 accepts (the client's own newest, 2026-10-06, is refused by it); a newer one the
    /// client knows works against Azure itself.
    /// </summary>
    public string ServiceVersion { get; set; } = DefaultServiceVersion;

    /// <summary>Time limit of one request attempt (each network read or write within it).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Retries after a 5xx, 408, 429, network error or timeout (bounded, exponential back-off with jitter, honouring <c>Retry-After</c>).</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>Back-off before the first retry; it doubles on each further retry, up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest back-off between two attempts (a longer <c>Retry-After</c> from the service still wins).</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Blobs per List Blobs page (<c>maxresults</c>, at most 5,000).</summary>
    public int ListPageSize { get; set; } = 5000;

    /// <summary>
    /// Objects up to this size go up in one Put Blob and come down in one Get Blob; bigger ones go up as blocks
    /// (Put Block + one Put Block List commit) and come down in ranges.
    /// </summary>
    public long SinglePutLimitBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Block (and download range) size for objects above <see cref="SinglePutLimitBytes"/>.</summary>
    public int BlockSizeBytes { get; set; } = 8 * 1024 * 1024;

    /// <inheritdoc />
    public override string ToString() => Describe(credentialInCode: false);

    internal string Describe(bool credentialInCode)
    {
        string endpoint;
        try
        {
            endpoint = HasConnectionString
                ? new Azure.Storage.Blobs.BlobServiceClient(ConnectionString).Uri.GetLeftPart(UriPartial.Path)
                : Uri.TryCreate(AccountUrl, UriKind.Absolute, out var url) ? url.GetLeftPart(UriPartial.Path) : AccountUrl ?? "";
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException)
        {
            endpoint = "(invalid connection string)";
        }

        return $"AzureBlob (endpoint '{endpoint}', container '{Container}', prefix '{Prefix}', auth {AuthDescription(credentialInCode)}, service version {ServiceVersion})";
    }

    internal bool HasConnectionString => !string.IsNullOrWhiteSpace(ConnectionString);

    internal bool HasAccountUrl => !string.IsNullOrWhiteSpace(AccountUrl);

    internal bool AccountUrlHasSas =>
        Uri.TryCreate(AccountUrl, UriKind.Absolute, out var uri) && uri.Query.Contains("sig=", StringComparison.OrdinalIgnoreCase);

    /// <summary>True when <see cref="AccountUrl"/> is set with no way to authenticate of its own, so a <c>TokenCredential</c> from code may fill in.</summary>
    internal bool TakesCredentialFromCode =>
        HasAccountUrl && !HasConnectionString && !UseManagedIdentity && string.IsNullOrWhiteSpace(AccountKey) && string.IsNullOrWhiteSpace(SasToken) && !AccountUrlHasSas;

    private string AuthDescription(bool credentialInCode) =>
        credentialInCode ? "token credential"
        : HasConnectionString ? "connection string"
        : UseManagedIdentity ? "Entra ID (DefaultAzureCredential)"
        : !string.IsNullOrWhiteSpace(AccountKey) ? "account key"
        : !string.IsNullOrWhiteSpace(SasToken) || AccountUrlHasSas ? "SAS"
        : "none";

    /// <summary>The configured service version as the SDK's enum, or null when it is not one the SDK knows.</summary>
    internal Azure.Storage.Blobs.BlobClientOptions.ServiceVersion? ParsedServiceVersion() =>
        ServiceVersion is { Length: 10 } v && v[4] == '-' && v[7] == '-'
        && Enum.TryParse<Azure.Storage.Blobs.BlobClientOptions.ServiceVersion>("V" + v.Replace('-', '_'), ignoreCase: false, out var parsed)
        && Enum.IsDefined(parsed)
            ? parsed
            : null;

    internal void AddValidationErrors(List<string> errors, string p, bool credentialInCode = false)
    {
        if (HasConnectionString == HasAccountUrl)
        {
            errors.Add($"{p}ConnectionString or {p}AccountUrl is required when Storage:Kind is AzureBlob (exactly one of them).");
        }

        var hasKey = !string.IsNullOrWhiteSpace(AccountKey);
        var hasSas = !string.IsNullOrWhiteSpace(SasToken);
        if (HasConnectionString)
        {
            foreach (var (set, name) in new[] { (UseManagedIdentity, "UseManagedIdentity"), (hasKey, "AccountKey"), (hasSas, "SasToken"), (!string.IsNullOrWhiteSpace(AccountName), "AccountName") })
            {
                if (set)
                {
                    errors.Add($"{p}{name} goes with {p}AccountUrl, not with {p}ConnectionString (which carries its own credentials).");
                }
            }

            try
            {
                _ = new Azure.Storage.Blobs.BlobServiceClient(ConnectionString);
            }
            catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException)
            {
                errors.Add($"{p}ConnectionString is not usable: {ex.Message}");
            }
        }

        if (HasAccountUrl)
        {
            AddAccountUrlErrors(errors, p, hasKey, hasSas, credentialInCode);
        }

        if (string.IsNullOrWhiteSpace(Container))
        {
            errors.Add($"{p}Container is required when Storage:Kind is AzureBlob.");
        }
        else if (Container.Length is < 3 or > 63 || Container.Any(c => !(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
                 || Container.StartsWith('-') || Container.EndsWith('-') || Container.Contains("--", StringComparison.Ordinal))
        {
            errors.Add($"{p}Container '{Container}' is not a valid container name (3-63 lower-case letters, digits and single '-').");
        }

        if (ParsedServiceVersion() is null)
        {
            var known = Enum.GetNames<Azure.Storage.Blobs.BlobClientOptions.ServiceVersion>();
            errors.Add($"{p}ServiceVersion '{ServiceVersion}' is not a Blob service version this client knows " +
                       $"({known[0][1..].Replace('_', '-')} to {known[^1][1..].Replace('_', '-')}, yyyy-MM-dd; default {DefaultServiceVersion}).");
        }

        ObjectStoreOptions.AddCommonErrors(errors, p, Timeout, MaxRetries, ListPageSize, Prefix);
        if (RetryDelay <= TimeSpan.Zero || RetryDelay > MaxRetryDelay || MaxRetryDelay > TimeSpan.FromMinutes(5))
        {
            errors.Add($"{p}RetryDelay must be above 0 and at most {p}MaxRetryDelay, which must be at most 5 minutes (were {RetryDelay} and {MaxRetryDelay}).");
        }

        if (SinglePutLimitBytes < 1 || SinglePutLimitBytes > ServiceSinglePutLimit)
        {
            errors.Add($"{p}SinglePutLimitBytes must be between 1 and {ServiceSinglePutLimit.ToString(CultureInfo.InvariantCulture)}.");
        }

        if (BlockSizeBytes is < 64 * 1024 or > 100 * 1024 * 1024)
        {
            errors.Add($"{p}BlockSizeBytes must be between 64 KiB and 100 MiB.");
        }
    }

    private void AddAccountUrlErrors(List<string> errors, string p, bool hasKey, bool hasSas, bool credentialInCode)
    {
        if (!Uri.TryCreate(AccountUrl, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            errors.Add($"{p}AccountUrl is not an absolute http(s) URL.");
            return;
        }

        if (System.Net.IPAddress.TryParse(url.Host, out _) && url.AbsolutePath.Trim('/').Length == 0)
        {
            errors.Add($"{p}AccountUrl '{url.GetLeftPart(UriPartial.Authority)}' is an IP address without an account: path-style endpoints name the account " +
                       "in the path (http://127.0.0.1:10000/devstoreaccount1 for Azurite).");
        }

        var ways = new List<string>();
        if (hasKey)
        {
            ways.Add($"{p}AccountKey");
        }

        if (hasSas)
        {
            ways.Add($"{p}SasToken");
        }

        if (AccountUrlHasSas)
        {
            ways.Add($"a SAS in {p}AccountUrl");
        }

        if (UseManagedIdentity)
        {
            ways.Add($"{p}UseManagedIdentity");
        }

        if (credentialInCode)
        {
            ways.Add("the TokenCredential given in code");
        }

        if (ways.Count == 0)
        {
            errors.Add($"{p}AccountUrl needs a way to authenticate: {p}AccountKey, {p}SasToken (or a SAS in the URL), or {p}UseManagedIdentity = true " +
                       $"(or use {p}ConnectionString).");
        }
        else if (ways.Count > 1)
        {
            errors.Add($"{p}AccountUrl takes one way to authenticate, but has {string.Join(" and ", ways)}.");
        }

        if ((UseManagedIdentity || credentialInCode) && url.Scheme != Uri.UriSchemeHttps)
        {
            errors.Add($"{p}AccountUrl must be https with Entra ID auth: bearer tokens are never sent in clear text.");
        }

        if (hasKey)
        {
            try
            {
                _ = Convert.FromBase64String(AccountKey!);
            }
            catch (FormatException)
            {
                errors.Add($"{p}AccountKey is not base64 (copy the key from the portal's \"Access keys\").");
            }

            if (string.IsNullOrWhiteSpace(AccountName) && string.IsNullOrEmpty(new Azure.Storage.Blobs.BlobUriBuilder(url).AccountName))
            {
                errors.Add($"{p}AccountName is required with {p}AccountKey when {p}AccountUrl does not name the account.");
            }
        }
        else if (!string.IsNullOrWhiteSpace(AccountName))
        {
            errors.Add($"{p}AccountName goes with {p}AccountKey.");
        }

        if (!string.IsNullOrWhiteSpace(ManagedIdentityClientId) && !UseManagedIdentity)
        {
            errors.Add($"{p}ManagedIdentityClientId goes with {p}UseManagedIdentity = true.");
        }
    }
}
