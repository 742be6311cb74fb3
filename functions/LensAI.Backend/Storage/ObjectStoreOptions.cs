using System.Globalization;

namespace LensAI.Backend.Storage;

/// <summary>Which object store the backend writes to.</summary>
public enum ObjectStoreKind
{
    /// <summary>A folder on the local disk (the embedded default).</summary>
    Local,

    /// <summary>Amazon S3 or an S3-compatible service (MinIO, Ceph, R2, …).</summary>
    S3,

    /// <summary>Azure Blob Storage (or Azurite).</summary>
    AzureBlob,
}

/// <summary>
/// Storage configuration (bound as <c>LensAI:Backend:Storage</c> in the backend's options). Validated eagerly by
/// <see cref="ObjectStoreFactory"/>: every message names the option it is about (<c>Storage:S3:Bucket</c>,
/// relative to the backend section). <see cref="ToString"/> never prints a secret.
/// </summary>
public sealed class ObjectStoreOptions
{
    /// <summary>Which store: a local folder (the embedded default), S3 (or an S3-compatible service) or Azure Blob Storage. Default <c>Local</c>.</summary>
    public ObjectStoreKind Kind { get; set; } = ObjectStoreKind.Local;

    /// <summary>Root folder for <see cref="ObjectStoreKind.Local"/>; created when missing.</summary>
    public string? LocalPath { get; set; }

    public S3StoreOptions S3 { get; set; } = new();

    public AzureBlobStoreOptions AzureBlob { get; set; } = new();

    /// <summary>Every problem with these options, each naming its option; empty when they are usable.</summary>
    public IReadOnlyList<string> GetValidationErrors() => GetValidationErrors(azureCredentialInCode: false);

    /// <summary>The characters DuckDB's <c>read_parquet</c> treats as a file pattern in any path.</summary>
    internal const string GlobCharacters = "*?[";

    /// <summary>
    /// As <see cref="GetValidationErrors()"/>; <paramref name="azureCredentialInCode"/> says a <c>TokenCredential</c>
    /// from code will authenticate an Azure Blob <see cref="AzureBlobStoreOptions.AccountUrl"/> that has no other way.
    /// </summary>
    internal IReadOnlyList<string> GetValidationErrors(bool azureCredentialInCode)
    {
        var errors = new List<string>();
        switch (Kind)
        {
            case ObjectStoreKind.Local:
                if (string.IsNullOrWhiteSpace(LocalPath))
                {
                    errors.Add("Storage:LocalPath is required when Storage:Kind is Local.");
                }
                else if (LocalPath.AsSpan().IndexOfAny(Path.GetInvalidPathChars()) >= 0)
                {
                    errors.Add("Storage:LocalPath contains characters that are not valid in a path.");
                }
                else if (LocalPath.AsSpan().IndexOfAny(GlobCharacters) >= 0)
                {
                    // DuckDB's read_parquet expands these in every path it is given, so a part under such a folder could not be read.
                    errors.Add($"Storage:LocalPath must not contain '*', '?' or '[' (DuckDB reads them as a file pattern); got '{LocalPath}'.");
                }

                break;
            case ObjectStoreKind.S3:
                S3.AddValidationErrors(errors, "Storage:S3:");
                break;
            case ObjectStoreKind.AzureBlob:
                AzureBlob.AddValidationErrors(errors, "Storage:AzureBlob:", azureCredentialInCode && AzureBlob.TakesCredentialFromCode);
                break;
            default:
                errors.Add($"Storage:Kind '{Kind}' is not one of Local, S3, AzureBlob.");
                break;
        }

        return errors;
    }

    /// <summary>Throws an <see cref="ArgumentException"/> listing every problem (see <see cref="GetValidationErrors()"/>).</summary>
    public void Validate() => Validate(azureCredentialInCode: false);

    internal void Validate(bool azureCredentialInCode)
    {
        var errors = GetValidationErrors(azureCredentialInCode);
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid storage options: " + string.Join(" ", errors));
        }
    }

    /// <inheritdoc />
    public override string ToString() => Describe(azureCredentialInCode: false);

    internal string Describe(bool azureCredentialInCode) => Kind switch
    {
        ObjectStoreKind.Local => $"Local (path '{LocalPath}')",
        ObjectStoreKind.S3 => S3.ToString(),
        ObjectStoreKind.AzureBlob => AzureBlob.Describe(azureCredentialInCode),
        _ => Kind.ToString(),
    };

    internal static void AddCommonErrors(List<string> errors, string prefix, TimeSpan timeout, int maxRetries, int listPageSize, string? keyPrefix)
    {
        if (timeout <= TimeSpan.Zero || timeout > TimeSpan.FromHours(1))
        {
            errors.Add($"{prefix}Timeout must be between 0 and 1 hour (was {timeout}).");
        }

        if (maxRetries is < 0 or > 10)
        {
            errors.Add($"{prefix}MaxRetries must be between 0 and 10 (was {maxRetries.ToString(CultureInfo.InvariantCulture)}).");
        }

        if (listPageSize is < 1 or > 5000)
        {
            errors.Add($"{prefix}ListPageSize must be between 1 and 5000 (was {listPageSize.ToString(CultureInfo.InvariantCulture)}).");
        }

        var normalized = ObjectKeys.NormalizeRootPrefix(keyPrefix);
        if (normalized.Length > 0 && ObjectKeys.Problem(normalized[..^1]) is { } problem)
        {
            errors.Add($"{prefix}Prefix '{keyPrefix}' is not a valid key prefix: {problem}.");
        }
    }
}

/// <summary>When the S3 client computes and checks flexible (CRC) checksums.</summary>
public enum S3Checksums
{
    /// <summary>On every operation that supports them (the AWS SDK's default).</summary>
    WhenSupported,

    /// <summary>Only where the S3 API requires one (for S3-compatible services that refuse checksum headers).</summary>
    WhenRequired,
}

/// <summary>Amazon S3 or an S3-compatible service.</summary>
public sealed class S3StoreOptions
{
    /// <summary>
    /// Endpoint of an S3-compatible service (<c>http://127.0.0.1:9000</c> for MinIO). Leave empty for AWS, where
    /// <see cref="Region"/> picks the endpoint.
    /// </summary>
    public string? ServiceUrl { get; set; }

    /// <summary>The bucket; it must exist.</summary>
    public string? Bucket { get; set; }

    /// <summary>Optional key prefix inside the bucket (<c>lensai/</c>); listed keys come back without it.</summary>
    public string? Prefix { get; set; }

    /// <summary>AWS region (<c>eu-west-1</c>); with <see cref="ServiceUrl"/>, the region signatures are made for. Default <c>us-east-1</c>.</summary>
    public string? Region { get; set; }

    /// <summary>Access key id; with <see cref="SecretKey"/>, or neither to use the AWS default credential chain.</summary>
    public string? AccessKey { get; set; }

    /// <summary>Secret access key. Never logged.</summary>
    public string? SecretKey { get; set; }

    /// <summary>Path-style addressing (<c>http://host/bucket/key</c>); MinIO and most S3-compatibles need it.</summary>
    public bool ForcePathStyle { get; set; }

    /// <summary>Time limit of one request attempt.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Retries after a 5xx, throttling answer, network error or timeout (the SDK's own retry, bounded).</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>Keys per ListObjectsV2 page (S3 caps it at 1,000).</summary>
    public int ListPageSize { get; set; } = 1000;

    /// <summary>
    /// When the SDK adds CRC checksums to uploads and validates them on downloads: <c>WhenSupported</c> (the SDK's
    /// default, for AWS) or <c>WhenRequired</c>, for S3-compatible services that refuse the
    /// <c>x-amz-sdk-checksum-algorithm</c> / <c>x-amz-checksum-*</c> headers.
    /// </summary>
    public S3Checksums Checksums { get; set; } = S3Checksums.WhenSupported;

    /// <inheritdoc />
    public override string ToString() =>
        $"S3 (bucket '{Bucket}', endpoint '{(string.IsNullOrEmpty(ServiceUrl) ? "AWS" : ServiceUrl)}', region '{Region ?? "us-east-1"}', " +
        $"prefix '{Prefix}', path style {ForcePathStyle}, credentials {(string.IsNullOrEmpty(AccessKey) ? "default chain" : "access key")}, checksums {Checksums})";

    internal void AddValidationErrors(List<string> errors, string p)
    {
        if (string.IsNullOrWhiteSpace(Bucket))
        {
            errors.Add($"{p}Bucket is required when Storage:Kind is S3.");
        }
        else if (Bucket.Length is < 3 or > 63 || Bucket.Any(c => !(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '.' or '_')))
        {
            errors.Add($"{p}Bucket '{Bucket}' is not a valid bucket name (3-63 lower-case letters, digits, '-', '.').");
        }

        if (!string.IsNullOrWhiteSpace(ServiceUrl) && !IsHttpUrl(ServiceUrl))
        {
            errors.Add($"{p}ServiceUrl '{ServiceUrl}' is not an absolute http(s) URL.");
        }

        if (string.IsNullOrEmpty(AccessKey) != string.IsNullOrEmpty(SecretKey))
        {
            errors.Add($"{p}AccessKey and {p}SecretKey must be set together (or neither, to use the default AWS credential chain).");
        }

        ObjectStoreOptions.AddCommonErrors(errors, p, Timeout, MaxRetries, ListPageSize, Prefix);
        if (!Enum.IsDefined(Checksums))
        {
            errors.Add($"{p}Checksums '{Checksums}' is not one of WhenSupported, WhenRequired.");
        }

        if (ListPageSize > 1000)
        {
            errors.Add($"{p}ListPageSize must be at most 1000 for S3 (was {ListPageSize.ToString(CultureInfo.InvariantCulture)}).");
        }
    }

    internal static bool IsHttpUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);
}

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
