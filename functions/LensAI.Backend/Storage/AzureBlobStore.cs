using System.Runtime.CompilerServices;
using System.Text;
using System.Xml;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LensAI.Backend.Storage;

/// <summary>
/// Azure Blob Storage through <c>Azure.Storage.Blobs</c>: a thin adapter over one <see cref="BlobContainerClient"/>.
/// Objects up to <see cref="AzureBlobStoreOptions.SinglePutLimitBytes"/> go up in one Put Blob, bigger ones as blocks
/// committed by one Put Block List (the SDK's block ids are unique per upload), so every write is whole. Conditional
/// writes use <see cref="BlobRequestConditions"/> (<c>If-None-Match: *</c>, <c>If-Match</c>). The SDK's own retry
/// policy (bounded by <see cref="AzureBlobStoreOptions.MaxRetries"/>, per-attempt
/// <see cref="AzureBlobStoreOptions.Timeout"/>) retries 408, 429, 5xx, network errors and timeouts;
/// <see cref="RequestFailedException"/> and the rest become <see cref="ObjectStoreException"/>.
/// </summary>
internal sealed class AzureBlobStore : IObjectStore, IDisposable
{
    /// <summary>The Microsoft Entra ID scope of Azure Storage.</summary>
    public const string StorageScope = "https://storage.azure.com/.default";

    private const int MaxBodySnippetChars = 200;

    private readonly ILogger _logger;
    private readonly BlobContainerClient _container;
    private readonly string _rootPrefix;
    private readonly bool _createContainer;
    private readonly int _listPageSize;
    private readonly StorageTransferOptions _transfer;
    private readonly SemaphoreSlim _containerLock = new(1, 1);
    private volatile bool _containerReady;

    /// <summary>
    /// A store from options: <see cref="AzureBlobStoreOptions.ConnectionString"/>, or
    /// <see cref="AzureBlobStoreOptions.AccountUrl"/> with an account key, a SAS, or
    /// <see cref="AzureBlobStoreOptions.UseManagedIdentity"/> (<c>DefaultAzureCredential</c>).
    /// </summary>
    public AzureBlobStore(AzureBlobStoreOptions options, ILogger? logger = null)
        : this(options, credential: null, logger, transport: null)
    {
    }

    /// <summary>A store at <see cref="AzureBlobStoreOptions.AccountUrl"/> (https) that authenticates with <paramref name="credential"/>.</summary>
    public AzureBlobStore(AzureBlobStoreOptions options, TokenCredential credential, ILogger? logger = null)
        : this(options, credential ?? throw new ArgumentNullException(nameof(credential)), logger, transport: null)
    {
    }

    /// <summary>The seam for tests: <paramref name="transport"/> replaces the SDK's HTTP transport.</summary>
    internal AzureBlobStore(AzureBlobStoreOptions options, TokenCredential? credential, ILogger? logger, HttpPipelineTransport? transport)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        options.AddValidationErrors(errors, "Storage:AzureBlob:", credentialInCode: credential is not null);
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid Azure Blob storage options: " + string.Join(" ", errors), nameof(options));
        }

        _logger = logger ?? NullLogger.Instance;
        _rootPrefix = ObjectKeys.NormalizeRootPrefix(options.Prefix);
        _createContainer = options.CreateContainerIfMissing;
        _listPageSize = options.ListPageSize;
        _transfer = new StorageTransferOptions
        {
            InitialTransferSize = options.SinglePutLimitBytes,
            MaximumTransferSize = options.BlockSizeBytes,
        };
        _container = CreateContainerClient(options, credential, ClientOptions(options, transport));
    }

    /// <inheritdoc />
    public string Kind => "azureblob";

    /// <summary>The container's URL (no credentials or SAS in it).</summary>
    public Uri Endpoint => new(_container.Uri.GetLeftPart(UriPartial.Path));

    /// <inheritdoc />
    public Task PutAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        ObjectKeys.Validate(key);
        return RunAsync("Put Blob", key, ct => _container.GetBlobClient(_rootPrefix + key).UploadAsync(BinaryData.FromBytes(content), UploadOptions(null), ct), cancellationToken);
    }

    /// <inheritdoc />
    public Task PutFileAsync(string key, string localPath, CancellationToken cancellationToken)
    {
        ObjectKeys.Validate(key);
        ArgumentException.ThrowIfNullOrEmpty(localPath);
        return RunAsync("Put Blob", key, ct => _container.GetBlobClient(_rootPrefix + key).UploadAsync(localPath, UploadOptions(null), ct), cancellationToken);
    }

    /// <inheritdoc />
    public Task<string?> PutConditionalAsync(string key, ReadOnlyMemory<byte> content, string? ifMatchETag, CancellationToken cancellationToken)
    {
        ObjectKeys.Validate(key);
        var conditions = ifMatchETag is null ? new BlobRequestConditions { IfNoneMatch = ETag.All } : new BlobRequestConditions { IfMatch = new ETag(ifMatchETag) };
        return RunAsync<string?>("Put Blob (conditional)", key, async ct =>
        {
            try
            {
                var response = await _container.GetBlobClient(_rootPrefix + key).UploadAsync(BinaryData.FromBytes(content), UploadOptions(conditions), ct).ConfigureAwait(false);
                return response.Value.ETag.ToString();
            }
            catch (RequestFailedException ex) when (ex.Status == 412 || (ex.Status == 409 && ex.ErrorCode == BlobErrorCode.BlobAlreadyExists))
            {
                return null; // Someone else wrote first (create-only), or the object changed (If-Match).
            }
            catch (RequestFailedException ex) when (ifMatchETag is not null && ex.Status == 404 && ex.ErrorCode == BlobErrorCode.BlobNotFound)
            {
                return null; // If-Match on an object that is gone: the condition failed.
            }
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<StoredObject?> GetAsync(string key, CancellationToken cancellationToken)
    {
        ObjectKeys.Validate(key);
        return RunAsync<StoredObject?>("Get Blob", key, async ct =>
        {
            try
            {
                var response = await _container.GetBlobClient(_rootPrefix + key).DownloadContentAsync(ct).ConfigureAwait(false);
                return new StoredObject(response.Value.Content.ToArray(), response.Value.Details.ETag.ToString());
            }
            catch (RequestFailedException ex) when (ex.Status == 404 && ex.ErrorCode == BlobErrorCode.BlobNotFound)
            {
                return null;
            }
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<bool> DownloadToFileAsync(string key, string localPath, CancellationToken cancellationToken)
    {
        ObjectKeys.Validate(key);
        ArgumentException.ThrowIfNullOrEmpty(localPath);
        var full = Path.GetFullPath(localPath);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = full + "." + Guid.NewGuid().ToString("N") + ".part";
        try
        {
            var found = await RunAsync("Get Blob", key, async ct =>
            {
                try
                {
                    // Ranges after the first are read with If-Match on the first answer's ETag, so a concurrent
                    // overwrite fails the download instead of mixing two versions.
                    await _container.GetBlobClient(_rootPrefix + key).DownloadToAsync(temp, new BlobDownloadToOptions { TransferOptions = _transfer }, ct).ConfigureAwait(false);
                    return true;
                }
                catch (RequestFailedException ex) when (ex.Status == 404 && ex.ErrorCode == BlobErrorCode.BlobNotFound)
                {
                    return false;
                }
            }, cancellationToken).ConfigureAwait(false);
            if (found)
            {
                File.Move(temp, full, overwrite: true);
            }

            return found;
        }
        finally
        {
            TryDelete(temp);
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ObjectKeys.ValidatePrefix(prefix);
        await EnsureContainerAsync(cancellationToken).ConfigureAwait(false);
        var fullPrefix = _rootPrefix + prefix;
        var pages = _container.GetBlobsAsync(new GetBlobsOptions { Prefix = fullPrefix.Length == 0 ? null : fullPrefix }, cancellationToken)
            .AsPages(pageSizeHint: _listPageSize)
            .GetAsyncEnumerator(cancellationToken);
        await using (pages.ConfigureAwait(false))
        {
            while (await RunAsync("List Blobs", prefix, async _ => await pages.MoveNextAsync().ConfigureAwait(false), cancellationToken, ensureContainer: false).ConfigureAwait(false))
            {
                foreach (var item in pages.Current.Values)
                {
                    if (!item.Name.StartsWith(_rootPrefix, StringComparison.Ordinal))
                    {
                        continue;
                    }

                    yield return new ObjectInfo(item.Name[_rootPrefix.Length..], item.Properties.ContentLength ?? 0, item.Properties.LastModified ?? DateTimeOffset.MinValue);
                }
            }
        }
    }

    /// <inheritdoc />
    public Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        ObjectKeys.Validate(key);
        return RunAsync("Delete Blob", key, ct => _container.GetBlobClient(_rootPrefix + key).DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, conditions: null, ct), cancellationToken);
    }

    /// <summary>Creates the container when it does not exist (what <see cref="AzureBlobStoreOptions.CreateContainerIfMissing"/> does on first use).</summary>
    public async Task CreateContainerIfMissingAsync(CancellationToken cancellationToken)
    {
        var created = await RunAsync("Create Container", _container.Name, ct => _container.CreateIfNotExistsAsync(PublicAccessType.None, metadata: null, encryptionScopeOptions: null, ct),
            cancellationToken, ensureContainer: false).ConfigureAwait(false);
        if (created is not null)
        {
            StorageLog.ContainerCreated(_logger, _container.Name);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _containerLock.Dispose();

    private static BlobContainerClient CreateContainerClient(AzureBlobStoreOptions options, TokenCredential? credential, BlobClientOptions clientOptions)
    {
        var container = options.Container!;
        if (options.HasConnectionString)
        {
            return new BlobContainerClient(options.ConnectionString, container, clientOptions);
        }

        var url = new BlobUriBuilder(new Uri(options.AccountUrl!)) { BlobContainerName = container }.ToUri();
        if (credential is not null)
        {
            return new BlobContainerClient(url, credential, clientOptions);
        }

        if (!string.IsNullOrWhiteSpace(options.AccountKey))
        {
            var account = string.IsNullOrWhiteSpace(options.AccountName) ? new BlobUriBuilder(url).AccountName : options.AccountName;
            return new BlobContainerClient(url, new StorageSharedKeyCredential(account, options.AccountKey), clientOptions);
        }

        if (!string.IsNullOrWhiteSpace(options.SasToken))
        {
            return new BlobContainerClient(url, new AzureSasCredential(options.SasToken), clientOptions);
        }

        if (options.UseManagedIdentity)
        {
            var identity = new DefaultAzureCredential(new DefaultAzureCredentialOptions
            {
                ManagedIdentityClientId = string.IsNullOrWhiteSpace(options.ManagedIdentityClientId) ? null : options.ManagedIdentityClientId,
            });
            return new BlobContainerClient(url, identity, clientOptions);
        }

        return new BlobContainerClient(url, clientOptions); // the SAS is in the URL (validation made sure of it)
    }

    private BlobClientOptions ClientOptions(AzureBlobStoreOptions options, HttpPipelineTransport? transport)
    {
        var clientOptions = new BlobClientOptions(options.ParsedServiceVersion()!.Value)
        {
            Retry =
            {
                Mode = RetryMode.Exponential,
                MaxRetries = options.MaxRetries,
                Delay = options.RetryDelay,
                MaxDelay = options.MaxRetryDelay,
                NetworkTimeout = options.Timeout,
            },
        };
        if (transport is not null)
        {
            clientOptions.Transport = transport;
        }

        clientOptions.AddPolicy(new AttemptLogPolicy(_logger, options.MaxRetries), HttpPipelinePosition.PerRetry);
        return clientOptions;
    }

    private BlobUploadOptions UploadOptions(BlobRequestConditions? conditions) => new()
    {
        Conditions = conditions,
        TransferOptions = _transfer,
        HttpHeaders = new BlobHttpHeaders { ContentType = "application/octet-stream" },
    };

    private async Task EnsureContainerAsync(CancellationToken cancellationToken)
    {
        if (!_createContainer || _containerReady)
        {
            return;
        }

        await _containerLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_containerReady)
            {
                await CreateContainerIfMissingAsync(cancellationToken).ConfigureAwait(false);
                _containerReady = true;
            }
        }
        finally
        {
            _containerLock.Release();
        }
    }

    /// <summary>
    /// Runs one SDK operation (with the SDK's retries inside it) and turns every storage failure into an
    /// <see cref="ObjectStoreException"/>; the caller's cancellation stays an <see cref="OperationCanceledException"/>.
    /// </summary>
    private async Task<T> RunAsync<T>(string operation, string key, Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken, bool ensureContainer = true)
    {
        try
        {
            if (ensureContainer)
            {
                await EnsureContainerAsync(cancellationToken).ConfigureAwait(false);
            }

            return await action(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (cancellationToken.IsCancellationRequested)
        {
            if (ex is OperationCanceledException)
            {
                throw;
            }

            throw new OperationCanceledException($"Azure Blob {operation} '{key}' was cancelled.", ex, cancellationToken);
        }
        catch (Exception ex) when (ex is not ObjectStoreException)
        {
            throw Failure(operation, key, ex);
        }
    }

    /// <summary>Maps what the SDK throws (after its retries) to an <see cref="ObjectStoreException"/> that names the operation and key.</summary>
    internal ObjectStoreException Failure(string operation, string key, Exception ex)
    {
        var what = $"Azure Blob {operation} '{key}'";
        switch (ex)
        {
            case RequestFailedException { Status: 404, ErrorCode: "ContainerNotFound" } notFound:
                return new ObjectStoreException(
                    $"{what} failed: container '{_container.Name}' does not exist (create it, or set Storage:AzureBlob:CreateContainerIfMissing).", 404, notFound.ErrorCode, ex);
            case RequestFailedException { Status: > 0 } failed:
                return new ObjectStoreException($"{what} failed: {Describe(failed)}", failed.Status, failed.ErrorCode, ex);
            case RequestFailedException unreachable:
                return new ObjectStoreException($"{what} failed: {_container.Uri.Authority} unreachable: {Innermost(unreachable).Message}", null, null, ex);
            case AggregateException aggregate when aggregate.InnerExceptions[^1] is OperationCanceledException or TimeoutException:
                // The retry policy gave up: every attempt failed without an answer, the last one by timing out.
                return new ObjectStoreException($"{what} timed out: no answer within the attempt limit ({aggregate.InnerExceptions.Count} attempts).", null, "Timeout", ex);
            case AggregateException aggregate:
                var last = Failure(operation, key, aggregate.InnerExceptions[^1]);
                return new ObjectStoreException($"{last.Message} ({aggregate.InnerExceptions.Count} attempts)", last.StatusCode, last.ErrorCode, ex);
            case OperationCanceledException or TimeoutException:
                return new ObjectStoreException($"{what} timed out: no answer within the attempt limit.", null, "Timeout", ex);
            case XmlException or FormatException or InvalidOperationException { InnerException: XmlException }:
                return new ObjectStoreException($"{what} failed: the service answered with malformed XML ({ex.Message}).", 200, "MalformedResponse", ex);
            case AuthenticationFailedException or CredentialUnavailableException:
                return new ObjectStoreException($"{what} failed: could not get a Microsoft Entra ID token for {StorageScope}: {ex.Message}", null, "AuthenticationFailed", ex);
            case IOException or HttpRequestException:
                return new ObjectStoreException($"{what} failed while transferring data: {ex.Message}", null, null, ex);
            default:
                return new ObjectStoreException($"{what} failed: {ex.GetType().Name}: {ex.Message}", null, null, ex);
        }
    }

    /// <summary>
    /// <c>403 AuthenticationFailed: Server failed to authenticate the request. (request id …)</c>: the status, Azure's
    /// error code and the first line of its message; for an answer that is no Azure error, a snippet of the body.
    /// </summary>
    private static string Describe(RequestFailedException ex)
    {
        var response = ex.GetRawResponse();
        var text = new StringBuilder().Append(ex.Status).Append(' ').Append(ex.ErrorCode ?? response?.ReasonPhrase ?? "error");
        var firstLine = ex.Message.Split('\n', 2)[0].Trim();
        if (ex.ErrorCode is not null && firstLine.Length > 0 && !firstLine.StartsWith("Service request failed", StringComparison.Ordinal))
        {
            text.Append(": ").Append(firstLine);
        }
        else if (response?.Content is { } body && !body.ToMemory().IsEmpty)
        {
            var snippet = Encoding.UTF8.GetString(body.ToMemory().Span[..Math.Min(body.ToMemory().Length, MaxBodySnippetChars * 4)]);
            snippet = (snippet.Length > MaxBodySnippetChars ? snippet[..MaxBodySnippetChars] + "…" : snippet).ReplaceLineEndings(" ");
            var contentType = response.Headers.ContentType ?? "no content type";
            text.Append(": unexpected error body (").Append(contentType).Append("): ").Append(snippet);
        }

        if (response?.Headers.RequestId is { Length: > 0 } requestId)
        {
            text.Append(" (request id ").Append(requestId).Append(')');
        }

        return text.ToString();
    }

    private static Exception Innermost(Exception ex)
    {
        while (ex.InnerException is not null)
        {
            ex = ex.InnerException;
        }

        return ex;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Logs each attempt that failed with a retryable answer or no answer (the SDK's retry policy decides whether and when to retry).</summary>
    private sealed class AttemptLogPolicy(ILogger logger, int maxRetries) : HttpPipelinePolicy
    {
        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            try
            {
                ProcessNext(message, pipeline);
            }
            catch (Exception ex) when (Log(message, ex.Message))
            {
                throw;
            }

            LogStatus(message);
        }

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            try
            {
                await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
            }
            catch (Exception ex) when (Log(message, ex.Message))
            {
                throw;
            }

            LogStatus(message);
        }

        private void LogStatus(HttpMessage message)
        {
            if (message.HasResponse && message.Response.Status is 408 or 429 or >= 500)
            {
                Log(message, $"{message.Response.Status} {message.Response.ReasonPhrase}");
            }
        }

        private bool Log(HttpMessage message, string reason)
        {
            if (!message.CancellationToken.IsCancellationRequested)
            {
                StorageLog.AttemptFailed(logger, "Azure Blob", message.Request.Method.ToString(), message.ProcessingContext.RetryNumber + 1, maxRetries + 1, reason);
            }

            return false;
        }
    }
}
