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
/// <see cref="ObjectStoreFactory.Create"/>: every message names the option it is about (<c>Storage:S3:Bucket</c>,
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
    public IReadOnlyList<string> GetValidationErrors()
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

                break;
            case ObjectStoreKind.S3:
                S3.AddValidationErrors(errors, "Storage:S3:");
                break;
            case ObjectStoreKind.AzureBlob:
                AzureBlob.AddValidationErrors(errors, "Storage:AzureBlob:");
                break;
            default:
                errors.Add($"Storage:Kind '{Kind}' is not one of Local, S3, AzureBlob.");
                break;
        }

        return errors;
    }

    /// <summary>Throws an <see cref="ArgumentException"/> listing every problem (see <see cref="GetValidationErrors"/>).</summary>
    public void Validate()
    {
        var errors = GetValidationErrors();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid storage options: " + string.Join(" ", errors));
        }
    }

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        ObjectStoreKind.Local => $"Local (path '{LocalPath}')",
        ObjectStoreKind.S3 => S3.ToString(),
        ObjectStoreKind.AzureBlob => AzureBlob.ToString(),
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

    /// <inheritdoc />
    public override string ToString() =>
        $"S3 (bucket '{Bucket}', endpoint '{(string.IsNullOrEmpty(ServiceUrl) ? "AWS" : ServiceUrl)}', region '{Region ?? "us-east-1"}', " +
        $"prefix '{Prefix}', path style {ForcePathStyle}, credentials {(string.IsNullOrEmpty(AccessKey) ? "default chain" : "access key")})";

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
        if (ListPageSize > 1000)
        {
            errors.Add($"{p}ListPageSize must be at most 1000 for S3 (was {ListPageSize.ToString(CultureInfo.InvariantCulture)}).");
        }
    }

    internal static bool IsHttpUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);
}

/// <summary>Azure Blob Storage (or Azurite).</summary>
public sealed class AzureBlobStoreOptions
{
    /// <summary>The largest single Put Blob the service accepts (5,000 MiB); bigger files always go in blocks.</summary>
    public const long ServiceSinglePutLimit = 5000L * 1024 * 1024;

    /// <summary>
    /// A storage connection string: <c>UseDevelopmentStorage=true</c> (Azurite), or
    /// <c>DefaultEndpointsProtocol=https;AccountName=…;AccountKey=…[;EndpointSuffix=…|;BlobEndpoint=…]</c>, or one
    /// with <c>SharedAccessSignature=…</c>. Never logged. Either this or <see cref="AccountUrl"/>.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// Blob endpoint (<c>https://myaccount.blob.core.windows.net</c>) for Azure AD auth (<see cref="UseManagedIdentity"/>).
    /// Either this or <see cref="ConnectionString"/>.
    /// </summary>
    public string? AccountUrl { get; set; }

    /// <summary>The container.</summary>
    public string? Container { get; set; }

    /// <summary>Optional key prefix inside the container; listed keys come back without it.</summary>
    public string? Prefix { get; set; }

    /// <summary>
    /// Authenticate with Azure AD: <c>DefaultAzureCredential</c> (managed identity, workload identity, environment,
    /// Azure CLI…), token scope <c>https://storage.azure.com/.default</c>. Needs <see cref="AccountUrl"/>; the
    /// identity needs the "Storage Blob Data Contributor" role.
    /// </summary>
    public bool UseManagedIdentity { get; set; }

    /// <summary>Client id of a user-assigned managed identity (optional).</summary>
    public string? ManagedIdentityClientId { get; set; }

    /// <summary>Create the container on first use when it does not exist.</summary>
    public bool CreateContainerIfMissing { get; set; }

    /// <summary>Time limit of one request attempt.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Retries after a 5xx, 408, 429, network error or timeout (bounded, exponential back-off with jitter).</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>Blobs per List Blobs page (<c>maxresults</c>, at most 5,000).</summary>
    public int ListPageSize { get; set; } = 5000;

    /// <summary>Files up to this size go up in one Put Blob; bigger ones as blocks (Put Block + Put Block List).</summary>
    public long SinglePutLimitBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Block size for files above <see cref="SinglePutLimitBytes"/>.</summary>
    public int BlockSizeBytes { get; set; } = 8 * 1024 * 1024;

    /// <inheritdoc />
    public override string ToString()
    {
        string endpoint;
        try
        {
            endpoint = !string.IsNullOrWhiteSpace(ConnectionString)
                ? AzureBlobConnectionString.Parse(ConnectionString).BlobEndpoint.ToString()
                : AccountUrl ?? "";
        }
        catch (ArgumentException)
        {
            endpoint = "(invalid connection string)";
        }

        var auth = UseManagedIdentity ? "Azure AD" : !string.IsNullOrWhiteSpace(ConnectionString) ? "connection string" : "none";
        return $"AzureBlob (endpoint '{endpoint}', container '{Container}', prefix '{Prefix}', auth {auth})";
    }

    internal void AddValidationErrors(List<string> errors, string p)
    {
        var hasConnectionString = !string.IsNullOrWhiteSpace(ConnectionString);
        var hasAccountUrl = !string.IsNullOrWhiteSpace(AccountUrl);
        if (hasConnectionString == hasAccountUrl)
        {
            errors.Add($"{p}ConnectionString or {p}AccountUrl is required when Storage:Kind is AzureBlob (exactly one of them).");
        }

        if (hasConnectionString)
        {
            if (UseManagedIdentity)
            {
                errors.Add($"{p}UseManagedIdentity needs {p}AccountUrl, not {p}ConnectionString.");
            }

            try
            {
                AzureBlobConnectionString.Parse(ConnectionString!);
            }
            catch (ArgumentException ex)
            {
                errors.Add($"{p}ConnectionString is not usable: {ex.Message}");
            }
        }

        if (hasAccountUrl)
        {
            if (!S3StoreOptions.IsHttpUrl(AccountUrl!))
            {
                errors.Add($"{p}AccountUrl '{AccountUrl}' is not an absolute http(s) URL.");
            }

            if (!UseManagedIdentity)
            {
                errors.Add($"{p}AccountUrl needs {p}UseManagedIdentity = true (or use {p}ConnectionString with an account key or SAS).");
            }
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

        ObjectStoreOptions.AddCommonErrors(errors, p, Timeout, MaxRetries, ListPageSize, Prefix);
        if (SinglePutLimitBytes < 1 || SinglePutLimitBytes > ServiceSinglePutLimit)
        {
            errors.Add($"{p}SinglePutLimitBytes must be between 1 and {ServiceSinglePutLimit.ToString(CultureInfo.InvariantCulture)}.");
        }

        if (BlockSizeBytes is < 64 * 1024 or > 100 * 1024 * 1024)
        {
            errors.Add($"{p}BlockSizeBytes must be between 64 KiB and 100 MiB.");
        }
    }
}
