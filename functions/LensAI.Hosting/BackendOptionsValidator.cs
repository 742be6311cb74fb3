using Azure.Core;
using LensAI.Backend;
using LensAI.Backend.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LensAI.Hosting;

/// <summary>
/// Checks <c>LensAI:Backend</c> at start: storage (every problem of the chosen kind), the rate limit, DuckDB threads,
/// ingest limits and the Parquet writer. Each message names its setting by its full configuration key.
/// </summary>
internal sealed class BackendOptionsValidator(IServiceProviderIsService services) : IValidateOptions<BackendOptions>
{
    private const string P = BackendOptions.SectionName + ":";

    public ValidateOptionsResult Validate(string? name, BackendOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        // A TokenCredential registered in code authenticates an Azure Blob AccountUrl that has no other way.
        var errors = options.Storage.GetValidationErrors(azureCredentialInCode: services.IsService(typeof(TokenCredential)))
            .Select(e => P + e)
            .ToList();
        Positive(errors, options.RateLimitPerSecond, "RateLimitPerSecond");
        Positive(errors, options.RateLimitBurst, "RateLimitBurst");
        Positive(errors, options.DuckDbThreads, "DuckDbThreads");
        Positive(errors, options.StorageRetryAfter, "StorageRetryAfter");
        Positive(errors, options.JobLeaseDuration, "JobLeaseDuration");
        var limits = options.Limits;
        Positive(errors, limits.MaxRequestBytes, "Limits:MaxRequestBytes");
        Positive(errors, limits.MaxDecompressedBytes, "Limits:MaxDecompressedBytes");
        Positive(errors, limits.MaxEventsPerBatch, "Limits:MaxEventsPerBatch");
        Positive(errors, limits.MaxJsonDepth, "Limits:MaxJsonDepth");
        Positive(errors, limits.MaxEventAge, "Limits:MaxEventAge");
        var writer = options.Writer;
        Positive(errors, writer.MaxEventsPerPart, "Writer:MaxEventsPerPart");
        Positive(errors, writer.Concurrency, "Writer:Concurrency");
        Positive(errors, writer.StorageTimeout, "Writer:StorageTimeout");
        if (writer.MergeAfterParts < 0 || writer.MergeFactor < 2 || writer.MergeBaseBytes <= 0 || writer.MergeMaxBytes <= 0)
        {
            errors.Add($"{P}Writer:MergeAfterParts must not be negative, Writer:MergeFactor must be at least 2, and Writer:MergeBaseBytes and Writer:MergeMaxBytes must be positive.");
        }

        if (writer.FlushWindow < TimeSpan.Zero)
        {
            errors.Add($"{P}Writer:FlushWindow must not be negative; got {writer.FlushWindow}.");
        }

        foreach (var (key, folder) in new[] { ("WorkDirectory", options.WorkDirectory), ("Writer:TempDirectory", writer.TempDirectory) })
        {
            if (folder is not null && folder.AsSpan().IndexOfAny(ObjectStoreOptions.GlobCharacters) >= 0)
            {
                // Parts are read back from these folders through DuckDB's read_parquet, which expands the characters.
                errors.Add($"{P}{key} must not contain '*', '?' or '[' (DuckDB reads them as a file pattern); got '{folder}'.");
            }
        }

        foreach (var (project, settings) in options.Projects)
        {
            if (settings.RetentionDays < 0 || settings.RollupRetentionDays < 0)
            {
                errors.Add($"{P}Projects:{project}: RetentionDays and RollupRetentionDays must be 0 (keep forever) or more.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Positive(List<string> errors, long value, string key)
    {
        if (value <= 0)
        {
            errors.Add($"{P}{key} must be a positive number; got {value}.");
        }
    }

    private static void Positive(List<string> errors, TimeSpan value, string key)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"{P}{key} must be a positive duration (e.g. 00:00:05); got {value}.");
        }
    }
}
