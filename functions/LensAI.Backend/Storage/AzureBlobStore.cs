using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Retry;

namespace LensAI.Backend.Storage;

/// <summary>
/// Azure Blob Storage over its REST API (a thin client: <c>Azure.Storage.Blobs</c> does not restore here).
/// Put Blob (block blob, one request) or Put Block + Put Block List for big files, Get Blob, List Blobs
/// (<c>prefix</c>, <c>marker</c> paging), Delete Blob, and conditional writes (<c>If-None-Match: *</c>,
/// <c>If-Match</c>). Auth: Shared Key (account key), SAS, or an Azure AD bearer token from a
/// <see cref="TokenCredential"/>. Retries 5xx, 408, 429, network errors and timeouts a bounded number of times.
/// </summary>
public sealed class AzureBlobStore : IObjectStore, IDisposable
{
    /// <summary>The REST API version sent as <c>x-ms-version</c> (accepted by Azure and by Azurite 3.37).</summary>
    public const string ApiVersion = "2025-05-05";

    /// <summary>The Azure AD scope of Azure Storage.</summary>
    public const string StorageScope = "https://storage.azure.com/.default";

    private const int MaxErrorBodyChars = 16 * 1024;

    private readonly AzureBlobStoreOptions _options;
    private readonly ILogger _logger;
    private readonly HttpClient _http;
    private readonly Uri _endpoint;
    private readonly string _container;
    private readonly string _rootPrefix;
    private readonly string? _accountName;
    private readonly byte[]? _accountKey;
    private readonly string? _sas;
    private readonly TokenCredential? _credential;
    private readonly ResiliencePipeline _pipeline;
    private readonly SemaphoreSlim _tokenLock = new(1, 1);
    private readonly SemaphoreSlim _containerLock = new(1, 1);
    private AccessToken _token;
    private volatile bool _containerReady;

    /// <summary>
    /// A store from options: <see cref="AzureBlobStoreOptions.ConnectionString"/> (account key or SAS), or
    /// <see cref="AzureBlobStoreOptions.AccountUrl"/> with <see cref="AzureBlobStoreOptions.UseManagedIdentity"/>
    /// (<c>DefaultAzureCredential</c>).
    /// </summary>
    public AzureBlobStore(AzureBlobStoreOptions options, ILogger? logger = null)
        : this(options, credential: null, logger, validate: true)
    {
    }

    /// <summary>A store at <see cref="AzureBlobStoreOptions.AccountUrl"/> that authenticates with <paramref name="credential"/>.</summary>
    public AzureBlobStore(AzureBlobStoreOptions options, TokenCredential credential, ILogger? logger = null)
        : this(options, credential ?? throw new ArgumentNullException(nameof(credential)), logger, validate: true)
    {
    }

    private AzureBlobStore(AzureBlobStoreOptions options, TokenCredential? credential, ILogger? logger, bool validate)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        if (validate)
        {
            var errors = new List<string>();
            var probe = credential is null ? options : CloneForCredentialValidation(options);
            probe.AddValidationErrors(errors, "Storage:AzureBlob:");
            if (errors.Count > 0)
            {
                throw new ArgumentException("Invalid Azure Blob storage options: " + string.Join(" ", errors), nameof(options));
            }
        }

        _container = options.Container!;
        _rootPrefix = ObjectKeys.NormalizeRootPrefix(options.Prefix);
        if (credential is not null || string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            _endpoint = new Uri(options.AccountUrl!.TrimEnd('/'));
            _credential = credential ?? CreateDefaultCredential(options);
            if (_endpoint.Scheme != Uri.UriSchemeHttps && !_endpoint.IsLoopback)
            {
                throw new ArgumentException("Storage:AzureBlob:AccountUrl must be https: Azure AD bearer tokens are never sent in clear text.", nameof(options));
            }
        }
        else
        {
            var cs = AzureBlobConnectionString.Parse(options.ConnectionString!);
            _endpoint = cs.BlobEndpoint;
            _accountName = cs.AccountName;
            _accountKey = cs.AccountKey;
            _sas = _accountKey is null ? cs.SharedAccessSignature : null;
        }

        _http = new HttpClient(new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = options.Timeout < TimeSpan.FromSeconds(10) ? options.Timeout : TimeSpan.FromSeconds(10),
            AutomaticDecompression = DecompressionMethods.None,
            AllowAutoRedirect = false,
        })
        {
            Timeout = System.Threading.Timeout.InfiniteTimeSpan,
        };
        _pipeline = BuildPipeline(options.MaxRetries);
    }

    /// <inheritdoc />
    public string Kind => "azureblob";

    /// <summary>The blob endpoint requests go to (no credentials in it).</summary>
    public Uri Endpoint => _endpoint;

    /// <inheritdoc />
    public async Task PutAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        ObjectKeys.Validate(key);
        await EnsureContainerAsync(cancellationToken).ConfigureAwait(false);
        await SendAsync("Put Blob", key, () => PutBlobRequest(key, new ReadOnlyMemoryContent(content), null, null),
            static (response, key, ct) => ExpectAsync(response, "Put Blob", key, HttpStatusCode.Created, ct), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task PutFileAsync(string key, string localPath, CancellationToken cancellationToken)
    {
        ObjectKeys.Validate(key);
        ArgumentException.ThrowIfNullOrEmpty(localPath);
        var length = new FileInfo(localPath).Length;
        await EnsureContainerAsync(cancellationToken).ConfigureAwait(false);
        if (length <= _options.SinglePutLimitBytes)
        {
            await SendAsync("Put Blob", key, () => PutBlobRequest(key, FileContent(localPath), null, null),
                static (response, key, ct) => ExpectAsync(response, "Put Blob", key, HttpStatusCode.Created, ct), cancellationToken).ConfigureAwait(false);
            return;
        }

        await PutBlocksAsync(key, localPath, length, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<string?> PutConditionalAsync(string key, ReadOnlyMemory<byte> content, string? ifMatchETag, CancellationToken cancellationToken)
    {
        ObjectKeys.Validate(key);
        await EnsureContainerAsync(cancellationToken).ConfigureAwait(false);
        return await SendAsync("Put Blob (conditional)", key,
            () => PutBlobRequest(key, new ReadOnlyMemoryContent(content), ifNoneMatch: ifMatchETag is null ? "*" : null, ifMatch: ifMatchETag),
            static async (response, key, ct) =>
            {
                if (response.StatusCode == HttpStatusCode.Created)
                {
                    return ETagOf(response);
                }

                if (response.StatusCode == HttpStatusCode.PreconditionFailed)
                {
                    return null;
                }

                var error = await ReadErrorAsync(response, ct).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.Conflict && error.Code == "BlobAlreadyExists")
                {
                    return null;
                }

                if (response.StatusCode == HttpStatusCode.NotFound && error.Code == "BlobNotFound")
                {
                    return null; // If-Match on a blob that is gone: the condition failed.
                }

                throw Failure("Put Blob (conditional)", key, response.StatusCode, error);
            }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<StoredObject?> GetAsync(string key, CancellationToken cancellationToken)
    {
        ObjectKeys.Validate(key);
        await EnsureContainerAsync(cancellationToken).ConfigureAwait(false);
        return await SendAsync("Get Blob", key, () => NewRequest(HttpMethod.Get, BlobUri(key)),
            static async (response, key, ct) =>
            {
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    var bytes = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
                    return new StoredObject(bytes, ETagOf(response));
                }

                return await NotFoundOrThrowAsync<StoredObject>(response, "Get Blob", key, ct).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<bool> DownloadToFileAsync(string key, string localPath, CancellationToken cancellationToken)
    {
        ObjectKeys.Validate(key);
        ArgumentException.ThrowIfNullOrEmpty(localPath);
        await EnsureContainerAsync(cancellationToken).ConfigureAwait(false);
        var full = Path.GetFullPath(localPath);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = full + "." + Guid.NewGuid().ToString("N") + ".part";
        try
        {
            var found = await SendAsync("Get Blob", key, () => NewRequest(HttpMethod.Get, BlobUri(key)),
                async (response, key, ct) =>
                {
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous);
                        await using (file.ConfigureAwait(false))
                        {
                            await response.Content.CopyToAsync(file, ct).ConfigureAwait(false);
                        }

                        return (object)true;
                    }

                    return await NotFoundOrThrowAsync<object>(response, "Get Blob", key, ct).ConfigureAwait(false);
                }, cancellationToken).ConfigureAwait(false);
            if (found is null)
            {
                return false;
            }

            File.Move(temp, full, overwrite: true);
            return true;
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
        string? marker = null;
        do
        {
            var query = new List<KeyValuePair<string, string>>
            {
                new("restype", "container"),
                new("comp", "list"),
                new("maxresults", _options.ListPageSize.ToString(CultureInfo.InvariantCulture)),
            };
            if (fullPrefix.Length > 0)
            {
                query.Add(new("prefix", fullPrefix));
            }

            if (!string.IsNullOrEmpty(marker))
            {
                query.Add(new("marker", marker));
            }

            var uri = ContainerUri(query);
            var page = await SendAsync("List Blobs", prefix, () => NewRequest(HttpMethod.Get, uri),
                static async (response, prefix, ct) =>
                {
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        throw Failure("List Blobs", prefix, response.StatusCode, await ReadErrorAsync(response, ct).ConfigureAwait(false));
                    }

                    var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
                    await using (stream.ConfigureAwait(false))
                    {
                        return await ParseListAsync(stream, prefix, ct).ConfigureAwait(false);
                    }
                }, cancellationToken).ConfigureAwait(false);

            foreach (var item in page.Items)
            {
                if (!item.Key.StartsWith(_rootPrefix, StringComparison.Ordinal))
                {
                    continue;
                }

                yield return item with { Key = item.Key[_rootPrefix.Length..] };
            }

            marker = page.NextMarker;
        }
        while (!string.IsNullOrEmpty(marker));
    }

    /// <inheritdoc />
    public async Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        ObjectKeys.Validate(key);
        await EnsureContainerAsync(cancellationToken).ConfigureAwait(false);
        await SendAsync("Delete Blob", key, () =>
            {
                var request = NewRequest(HttpMethod.Delete, BlobUri(key));
                request.Headers.TryAddWithoutValidation("x-ms-delete-snapshots", "include");
                return request;
            },
            static async (response, key, ct) =>
            {
                if (response.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK or HttpStatusCode.NoContent)
                {
                    return (object?)null;
                }

                return await NotFoundOrThrowAsync<object>(response, "Delete Blob", key, ct).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Creates the container when it does not exist (what <see cref="AzureBlobStoreOptions.CreateContainerIfMissing"/> does on first use).</summary>
    public async Task CreateContainerIfMissingAsync(CancellationToken cancellationToken)
    {
        var uri = ContainerUri([new("restype", "container")]);
        var created = await SendAsync("Create Container", _container, () => NewRequest(HttpMethod.Put, uri),
            static async (response, container, ct) =>
            {
                if (response.StatusCode == HttpStatusCode.Created)
                {
                    return true;
                }

                var error = await ReadErrorAsync(response, ct).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.Conflict && error.Code == "ContainerAlreadyExists")
                {
                    return false;
                }

                throw Failure("Create Container", container, response.StatusCode, error);
            }, cancellationToken).ConfigureAwait(false);
        if (created)
        {
            StorageLog.ContainerCreated(_logger, _container);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _http.Dispose();
        _tokenLock.Dispose();
        _containerLock.Dispose();
    }

    private async Task EnsureContainerAsync(CancellationToken cancellationToken)
    {
        if (!_options.CreateContainerIfMissing || _containerReady)
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

    private async Task PutBlocksAsync(string key, string localPath, long length, CancellationToken cancellationToken)
    {
        var blockSize = _options.BlockSizeBytes;
        var count = (int)((length + blockSize - 1) / blockSize);
        if (count > 50_000)
        {
            throw new ArgumentException($"File '{localPath}' needs {count} blocks of {blockSize} bytes; a blob holds at most 50,000. Raise Storage:AzureBlob:BlockSizeBytes.", nameof(localPath));
        }

        // Block ids are unique per upload, so two writers of the same blob never mix their uncommitted blocks.
        var uploadId = Guid.NewGuid().ToString("N");
        var ids = new string[count];
        var buffer = ArrayPool<byte>.Shared.Rent(blockSize);
        try
        {
            var file = new FileStream(localPath, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous | FileOptions.SequentialScan);
            await using (file.ConfigureAwait(false))
            {
                for (var i = 0; i < count; i++)
                {
                    var read = 0;
                    while (read < blockSize)
                    {
                        var n = await file.ReadAsync(buffer.AsMemory(read, blockSize - read), cancellationToken).ConfigureAwait(false);
                        if (n == 0)
                        {
                            break;
                        }

                        read += n;
                    }

                    if (read == 0)
                    {
                        throw new IOException($"File '{localPath}' shrank while it was being uploaded.");
                    }

                    var id = Convert.ToBase64String(Encoding.ASCII.GetBytes($"{uploadId}-{i:D6}"));
                    ids[i] = id;
                    var chunk = new ReadOnlyMemory<byte>(buffer, 0, read);
                    var uri = BlobUri(key, [new("comp", "block"), new("blockid", id)]);
                    await SendAsync("Put Block", key, () =>
                        {
                            var request = NewRequest(HttpMethod.Put, uri);
                            request.Content = new ReadOnlyMemoryContent(chunk);
                            return request;
                        },
                        static (response, key, ct) => ExpectAsync(response, "Put Block", key, HttpStatusCode.Created, ct), cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        var xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>");
        foreach (var id in ids)
        {
            xml.Append("<Latest>").Append(id).Append("</Latest>");
        }

        xml.Append("</BlockList>");
        var body = Encoding.UTF8.GetBytes(xml.ToString());
        var listUri = BlobUri(key, [new("comp", "blocklist")]);
        await SendAsync("Put Block List", key, () =>
            {
                var request = NewRequest(HttpMethod.Put, listUri);
                request.Content = new ByteArrayContent(body);
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/xml");
                request.Headers.TryAddWithoutValidation("x-ms-blob-content-type", "application/octet-stream");
                return request;
            },
            static (response, key, ct) => ExpectAsync(response, "Put Block List", key, HttpStatusCode.Created, ct), cancellationToken).ConfigureAwait(false);
    }

    private HttpRequestMessage PutBlobRequest(string key, HttpContent content, string? ifNoneMatch, string? ifMatch)
    {
        var request = NewRequest(HttpMethod.Put, BlobUri(key));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        request.Content = content;
        request.Headers.TryAddWithoutValidation("x-ms-blob-type", "BlockBlob");
        if (ifNoneMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-None-Match", ifNoneMatch);
        }

        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return request;
    }

    private static StreamContent FileContent(string localPath)
    {
        var file = new FileStream(localPath, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous | FileOptions.SequentialScan);
        var content = new StreamContent(file, 81920);
        content.Headers.ContentLength = file.Length;
        return content;
    }

    private static HttpRequestMessage NewRequest(HttpMethod method, Uri uri)
    {
        var request = new HttpRequestMessage(method, uri);
        request.Headers.TryAddWithoutValidation("x-ms-version", ApiVersion);
        request.Headers.TryAddWithoutValidation("x-ms-client-request-id", Guid.NewGuid().ToString());
        return request;
    }

    private Uri BlobUri(string key, IReadOnlyList<KeyValuePair<string, string>>? query = null)
    {
        var sb = new StringBuilder(_endpoint.GetLeftPart(UriPartial.Path).TrimEnd('/'));
        sb.Append('/').Append(_container);
        foreach (var segment in (_rootPrefix + key).Split('/'))
        {
            sb.Append('/').Append(Uri.EscapeDataString(segment));
        }

        AppendQuery(sb, query);
        return new Uri(sb.ToString());
    }

    private Uri ContainerUri(IReadOnlyList<KeyValuePair<string, string>> query)
    {
        var sb = new StringBuilder(_endpoint.GetLeftPart(UriPartial.Path).TrimEnd('/'));
        sb.Append('/').Append(_container);
        AppendQuery(sb, query);
        return new Uri(sb.ToString());
    }

    private void AppendQuery(StringBuilder sb, IReadOnlyList<KeyValuePair<string, string>>? query)
    {
        var separator = '?';
        if (query is not null)
        {
            foreach (var (name, value) in query)
            {
                sb.Append(separator).Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
                separator = '&';
            }
        }

        if (_sas is not null)
        {
            sb.Append(separator).Append(_sas);
        }
    }

    private async Task AuthorizeAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.TryAddWithoutValidation("x-ms-date", DateTimeOffset.UtcNow.ToString("R", CultureInfo.InvariantCulture));
        if (_accountKey is not null)
        {
            AzureSharedKey.Authorize(request, _accountName!, _accountKey);
        }
        else if (_credential is not null)
        {
            var token = await GetTokenAsync(cancellationToken).ConfigureAwait(false);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    private async ValueTask<string> GetTokenAsync(CancellationToken cancellationToken)
    {
        var current = _token;
        if (current.Token is not null && current.ExpiresOn > DateTimeOffset.UtcNow.AddMinutes(5))
        {
            return current.Token;
        }

        await _tokenLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_token.Token is null || _token.ExpiresOn <= DateTimeOffset.UtcNow.AddMinutes(5))
            {
                try
                {
                    _token = await _credential!.GetTokenAsync(new TokenRequestContext([StorageScope]), cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is AuthenticationFailedException or CredentialUnavailableException or Azure.RequestFailedException)
                {
                    throw new ObjectStoreException($"Azure Blob: could not get an Azure AD token for {StorageScope}: {ex.Message}", null, "AuthenticationFailed", ex);
                }
            }

            return _token.Token;
        }
        finally
        {
            _tokenLock.Release();
        }
    }

    /// <summary>
    /// One operation through the retry pipeline. Each attempt builds a fresh request, signs it, and runs
    /// <paramref name="handle"/> on the answer inside the attempt's time limit; 5xx/408/429 answers, network errors
    /// and timeouts are retried, everything else is the handler's to judge.
    /// </summary>
    private async Task<T> SendAsync<T>(string operation, string key, Func<HttpRequestMessage> createRequest,
        Func<HttpResponseMessage, string, CancellationToken, Task<T>> handle, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(operation, cancellationToken);
        try
        {
            return await _pipeline.ExecuteAsync(async ctx =>
            {
                var token = ctx.CancellationToken;
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(token);
                attempt.CancelAfter(_options.Timeout);
                try
                {
                    using var request = createRequest();
                    await AuthorizeAsync(request, attempt.Token).ConfigureAwait(false);
                    using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, attempt.Token).ConfigureAwait(false);
                    if (IsTransient(response.StatusCode))
                    {
                        var error = await ReadErrorAsync(response, attempt.Token).ConfigureAwait(false);
                        throw new TransientStatusException(response.StatusCode, error, RetryAfter(response));
                    }

                    return await handle(response, key, attempt.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException ex) when (!token.IsCancellationRequested)
                {
                    throw new TimeoutException($"no answer within {_options.Timeout.TotalSeconds:0.###} s", ex);
                }
            }, context).ConfigureAwait(false);
        }
        catch (TransientStatusException ex)
        {
            throw Failure(operation, key, ex.Status, ex.Error, ex);
        }
        catch (TimeoutException ex)
        {
            throw new ObjectStoreException($"Azure Blob {operation} '{key}' timed out: {ex.Message} (after {_options.MaxRetries} retries).", null, "Timeout", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new ObjectStoreException($"Azure Blob {operation} '{key}' failed: {_endpoint.Authority} unreachable: {ex.Message}", null, ex.HttpRequestError.ToString(), ex);
        }
        catch (IOException ex)
        {
            throw new ObjectStoreException($"Azure Blob {operation} '{key}' failed while transferring data: {ex.Message}", null, null, ex);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private ResiliencePipeline BuildPipeline(int maxRetries)
    {
        var builder = new ResiliencePipelineBuilder();
        if (maxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = maxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(200),
                MaxDelay = TimeSpan.FromSeconds(5),
                ShouldHandle = new PredicateBuilder()
                    .Handle<TransientStatusException>()
                    .Handle<HttpRequestException>()
                    .Handle<TimeoutException>()
                    .Handle<IOException>(),
                DelayGenerator = static args => new ValueTask<TimeSpan?>(
                    args.Outcome.Exception is TransientStatusException { RetryAfter: { } after }
                        ? TimeSpan.FromTicks(Math.Min(after.Ticks, TimeSpan.FromSeconds(5).Ticks))
                        : null),
                OnRetry = args =>
                {
                    StorageLog.Retrying(_logger, "Azure Blob", args.Context.OperationKey ?? "request", args.AttemptNumber + 1,
                        args.Outcome.Exception?.Message ?? "unknown", (long)args.RetryDelay.TotalMilliseconds);
                    return default;
                },
            });
        }

        return builder.Build();
    }

    private static bool IsTransient(HttpStatusCode status) =>
        (int)status >= 500 || status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;

    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var retryAfter = response.Headers.RetryAfter;
        if (retryAfter?.Delta is { } delta)
        {
            return delta;
        }

        if (retryAfter?.Date is { } date)
        {
            var wait = date - DateTimeOffset.UtcNow;
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }

        return null;
    }

    private static async Task<object?> ExpectAsync(HttpResponseMessage response, string operation, string key, HttpStatusCode expected, CancellationToken ct)
    {
        if (response.StatusCode == expected)
        {
            return null;
        }

        throw Failure(operation, key, response.StatusCode, await ReadErrorAsync(response, ct).ConfigureAwait(false));
    }

    private static async Task<T?> NotFoundOrThrowAsync<T>(HttpResponseMessage response, string operation, string key, CancellationToken ct)
        where T : class
    {
        var error = await ReadErrorAsync(response, ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound && error.Code is "BlobNotFound")
        {
            return null;
        }

        if (response.StatusCode == HttpStatusCode.NotFound && error.Code is "ContainerNotFound")
        {
            throw new ObjectStoreException(
                $"Azure Blob {operation} '{key}' failed: the container does not exist (create it, or set Storage:AzureBlob:CreateContainerIfMissing).",
                (int)response.StatusCode, error.Code);
        }

        throw Failure(operation, key, response.StatusCode, error);
    }

    private static string ETagOf(HttpResponseMessage response) =>
        response.Headers.ETag?.ToString()
        ?? (response.Headers.TryGetValues("ETag", out var values) ? values.First() : null)
        ?? throw new ObjectStoreException("Azure Blob answered without an ETag.", (int)response.StatusCode, null);

    internal static ObjectStoreException Failure(string operation, string key, HttpStatusCode status, AzureError error, Exception? inner = null)
    {
        var code = error.Code ?? status.ToString();
        var message = new StringBuilder()
            .Append("Azure Blob ").Append(operation).Append(" '").Append(key).Append("' failed: ")
            .Append((int)status).Append(' ').Append(code);
        if (!string.IsNullOrEmpty(error.Message))
        {
            message.Append(": ").Append(error.Message);
        }

        if (!string.IsNullOrEmpty(error.RequestId))
        {
            message.Append(" (request id ").Append(error.RequestId).Append(')');
        }

        return new ObjectStoreException(message.ToString(), (int)status, error.Code, inner);
    }

    /// <summary>Reads Azure's error: the <c>x-ms-error-code</c> header and the XML body's Code and Message.</summary>
    internal static async Task<AzureError> ReadErrorAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var headerCode = response.Headers.TryGetValues("x-ms-error-code", out var codes) ? codes.FirstOrDefault() : null;
        var requestId = response.Headers.TryGetValues("x-ms-request-id", out var ids) ? ids.FirstOrDefault() : null;
        string body;
        try
        {
            body = await ReadLimitedAsync(response.Content, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            return new AzureError(headerCode, $"(error body unreadable: {ex.Message})", requestId);
        }

        if (string.IsNullOrWhiteSpace(body))
        {
            return new AzureError(headerCode, null, requestId);
        }

        try
        {
            var doc = XDocument.Parse(body);
            var root = doc.Root;
            var code = root?.Element("Code")?.Value;
            var message = root?.Element("Message")?.Value;
            if (message is not null)
            {
                message = message.Split('\n')[0].Trim();
            }

            return new AzureError(code ?? headerCode, message, requestId);
        }
        catch (XmlException)
        {
            var snippet = body.Length > 200 ? body[..200] + "…" : body;
            snippet = snippet.ReplaceLineEndings(" ");
            return new AzureError(headerCode, $"unparseable error body ({response.Content.Headers.ContentType?.MediaType ?? "no content type"}): {snippet}", requestId);
        }
    }

    private static async Task<string> ReadLimitedAsync(HttpContent content, CancellationToken ct)
    {
        var stream = await content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var reader = new StreamReader(stream, Encoding.UTF8);
            var buffer = new char[MaxErrorBodyChars];
            var total = 0;
            while (total < buffer.Length)
            {
                var n = await reader.ReadAsync(buffer.AsMemory(total), ct).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                total += n;
            }

            return new string(buffer, 0, total);
        }
    }

    internal static async Task<ListPage> ParseListAsync(Stream stream, string prefix, CancellationToken ct)
    {
        XDocument doc;
        try
        {
            using var reader = XmlReader.Create(stream, new XmlReaderSettings { Async = true, DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
            doc = await XDocument.LoadAsync(reader, LoadOptions.None, ct).ConfigureAwait(false);
        }
        catch (XmlException ex)
        {
            throw new ObjectStoreException($"Azure Blob List Blobs '{prefix}' failed: the service answered 200 with malformed XML ({ex.Message}).", 200, "MalformedResponse", ex);
        }

        var root = doc.Root;
        if (root is null || root.Name.LocalName != "EnumerationResults")
        {
            throw new ObjectStoreException($"Azure Blob List Blobs '{prefix}' failed: the answer is not an EnumerationResults document (root '{root?.Name.LocalName}').", 200, "MalformedResponse");
        }

        var items = new List<ObjectInfo>();
        foreach (var blob in root.Element("Blobs")?.Elements("Blob") ?? [])
        {
            var nameElement = blob.Element("Name");
            var name = nameElement?.Value;
            if (name is null)
            {
                continue;
            }

            if (string.Equals((string?)nameElement!.Attribute("Encoded"), "true", StringComparison.OrdinalIgnoreCase))
            {
                name = Uri.UnescapeDataString(name);
            }

            var properties = blob.Element("Properties");
            var size = long.TryParse(properties?.Element("Content-Length")?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : 0;
            var modified = DateTimeOffset.TryParse(properties?.Element("Last-Modified")?.Value, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal, out var m) ? m : DateTimeOffset.MinValue;
            items.Add(new ObjectInfo(name, size, modified));
        }

        var next = root.Element("NextMarker")?.Value;
        return new ListPage(items, string.IsNullOrEmpty(next) ? null : next);
    }

    private static AzureBlobStoreOptions CloneForCredentialValidation(AzureBlobStoreOptions o) => new()
    {
        AccountUrl = o.AccountUrl,
        Container = o.Container,
        Prefix = o.Prefix,
        UseManagedIdentity = true,
        CreateContainerIfMissing = o.CreateContainerIfMissing,
        Timeout = o.Timeout,
        MaxRetries = o.MaxRetries,
        ListPageSize = o.ListPageSize,
        SinglePutLimitBytes = o.SinglePutLimitBytes,
        BlockSizeBytes = o.BlockSizeBytes,
    };

    private static DefaultAzureCredential CreateDefaultCredential(AzureBlobStoreOptions options) =>
        new(new DefaultAzureCredentialOptions
        {
            ManagedIdentityClientId = string.IsNullOrWhiteSpace(options.ManagedIdentityClientId) ? null : options.ManagedIdentityClientId,
        });

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

    internal sealed record AzureError(string? Code, string? Message, string? RequestId);

    internal sealed record ListPage(IReadOnlyList<ObjectInfo> Items, string? NextMarker);

    private sealed class TransientStatusException(HttpStatusCode status, AzureError error, TimeSpan? retryAfter)
        : Exception($"{(int)status} {error.Code ?? status.ToString()}")
    {
        public HttpStatusCode Status { get; } = status;

        public AzureError Error { get; } = error;

        public TimeSpan? RetryAfter { get; } = retryAfter;
    }
}
