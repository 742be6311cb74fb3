using System.Globalization;

namespace LensAI.Backend.Storage;

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
