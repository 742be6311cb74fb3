using System.Globalization;

namespace LensAI.Backend.Storage;

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
