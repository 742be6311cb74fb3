using System.Net;
using System.Runtime.CompilerServices;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LensAI.Backend.Storage;

/// <summary>
/// Amazon S3 or an S3-compatible service through <c>AWSSDK.S3</c> (v4): PutObject (bytes or file, one request, so
/// every write is whole), GetObject, ListObjectsV2 with paging, DeleteObject. Conditional writes use PutObject's
/// <c>IfNoneMatch = "*"</c> / <c>IfMatch = etag</c> (S3 has honoured them since 2024; a service that ignores them
/// cannot give conditional writes: see docs/storage.md). Bodies always go with a plain signed payload
/// (<see cref="PutObjectRequest.UseChunkEncoding"/> off): v4's default <c>aws-chunked</c> encoding is stored
/// verbatim, chunk signatures included, by servers that do not decode it (s3rver does that), corrupting the object.
/// Failures, network errors and timeouts become <see cref="ObjectStoreException"/>.
/// </summary>
internal sealed class S3ObjectStore : IObjectStore, IDisposable
{
    /// <summary>The largest object one PutObject may write (5 GiB).</summary>
    public const long MaxSinglePutBytes = 5L * 1024 * 1024 * 1024;

    private readonly S3StoreOptions _options;
    private readonly ILogger _logger;
    private readonly AmazonS3Client _client;
    private readonly string _bucket;
    private readonly string _rootPrefix;
    private readonly TimeSpan _operationDeadline;

    /// <summary>A store from options; credentials from <see cref="S3StoreOptions.AccessKey"/>/<see cref="S3StoreOptions.SecretKey"/> or the AWS default chain.</summary>
    public S3ObjectStore(S3StoreOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        options.AddValidationErrors(errors, "Storage:S3:");
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid S3 storage options: " + string.Join(" ", errors), nameof(options));
        }

        _options = options;
        _logger = logger ?? NullLogger.Instance;
        _bucket = options.Bucket!;
        _rootPrefix = ObjectKeys.NormalizeRootPrefix(options.Prefix);
        var region = string.IsNullOrWhiteSpace(options.Region) ? "us-east-1" : options.Region.Trim();
        var config = new AmazonS3Config
        {
            ForcePathStyle = options.ForcePathStyle,
            Timeout = options.Timeout,
            MaxErrorRetry = options.MaxRetries,
            RetryMode = RequestRetryMode.Standard,
            RequestChecksumCalculation = options.Checksums == S3Checksums.WhenRequired ? RequestChecksumCalculation.WHEN_REQUIRED : RequestChecksumCalculation.WHEN_SUPPORTED,
            ResponseChecksumValidation = options.Checksums == S3Checksums.WhenRequired ? ResponseChecksumValidation.WHEN_REQUIRED : ResponseChecksumValidation.WHEN_SUPPORTED,
        };
        if (string.IsNullOrWhiteSpace(options.ServiceUrl))
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }
        else
        {
            config.ServiceURL = options.ServiceUrl;
            config.AuthenticationRegion = region;
        }

        // A whole attempt can take Timeout; between attempts the SDK backs off (standard mode, a few seconds at most).
        _operationDeadline = options.Timeout * (options.MaxRetries + 1) + TimeSpan.FromSeconds(2 * options.MaxRetries);
        try
        {
            _client = string.IsNullOrEmpty(options.AccessKey)
                ? new AmazonS3Client(config)
                : new AmazonS3Client(new BasicAWSCredentials(options.AccessKey, options.SecretKey), config);
        }
        catch (AmazonClientException ex)
        {
            throw new InvalidOperationException(
                "Storage:S3: no AWS credentials: set Storage:S3:AccessKey and Storage:S3:SecretKey, or configure the default chain " +
                "(AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile, web identity or an instance/task role). " + ex.Message, ex);
        }
    }

    /// <inheritdoc />
    public string Kind => "s3";

    /// <inheritdoc />
    public Task PutAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        ObjectKeys.Validate(key);
        return RunAsync("PutObject", key, async ct =>
        {
            using var stream = AsStream(content);
            await _client.PutObjectAsync(NewPut(key, stream), ct).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task PutFileAsync(string key, string localPath, CancellationToken cancellationToken)
    {
        ObjectKeys.Validate(key);
        ArgumentException.ThrowIfNullOrEmpty(localPath);
        var length = new FileInfo(localPath).Length;
        if (length > MaxSinglePutBytes)
        {
            throw new ArgumentException($"File '{localPath}' is {length} bytes; one S3 PutObject writes at most 5 GiB.", nameof(localPath));
        }

        return RunAsync("PutObject", key, async ct =>
        {
            var request = NewPut(key, stream: null);
            request.FilePath = localPath;
            await _client.PutObjectAsync(request, ct).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<string?> PutConditionalAsync(string key, ReadOnlyMemory<byte> content, string? ifMatchETag, CancellationToken cancellationToken)
    {
        ObjectKeys.Validate(key);
        return RunAsync("PutObject (conditional)", key, async ct =>
        {
            // S3 answers 409 ConditionalRequestConflict while another conditional write of the key is in flight:
            // retry a few times, then the condition is decided (200 or 412).
            for (var attempt = 0; ; attempt++)
            {
                using var stream = AsStream(content);
                var request = NewPut(key, stream);
                if (ifMatchETag is null)
                {
                    request.IfNoneMatch = "*";
                }
                else
                {
                    request.IfMatch = ifMatchETag;
                }

                try
                {
                    var response = await _client.PutObjectAsync(request, ct).ConfigureAwait(false);
                    return response.ETag;
                }
                catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.PreconditionFailed)
                {
                    return null;
                }
                catch (AmazonS3Exception ex) when (ifMatchETag is not null && ex.StatusCode == HttpStatusCode.NotFound && ex.ErrorCode == "NoSuchKey")
                {
                    return null;
                }
                catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.Conflict && attempt < 5)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(50 * (attempt + 1)), ct).ConfigureAwait(false);
                }
            }
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<StoredObject?> GetAsync(string key, CancellationToken cancellationToken)
    {
        ObjectKeys.Validate(key);
        return RunAsync<StoredObject?>("GetObject", key, async ct =>
        {
            try
            {
                using var response = await _client.GetObjectAsync(new GetObjectRequest { BucketName = _bucket, Key = _rootPrefix + key }, ct).ConfigureAwait(false);
                var buffer = new MemoryStream(response.ContentLength is > 0 and < int.MaxValue ? (int)response.ContentLength : 0);
                await response.ResponseStream.CopyToAsync(buffer, ct).ConfigureAwait(false);
                return new StoredObject(buffer.ToArray(), response.ETag);
            }
            catch (AmazonS3Exception ex) when (IsNoSuchKey(ex))
            {
                return null;
            }
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> DownloadToFileAsync(string key, string localPath, CancellationToken cancellationToken)
    {
        ObjectKeys.Validate(key);
        ArgumentException.ThrowIfNullOrEmpty(localPath);
        var full = Path.GetFullPath(localPath);
        return RunAsync("GetObject", key, async ct =>
        {
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            var temp = full + "." + Guid.NewGuid().ToString("N") + ".part";
            try
            {
                using var response = await _client.GetObjectAsync(new GetObjectRequest { BucketName = _bucket, Key = _rootPrefix + key }, ct).ConfigureAwait(false);
                var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous);
                await using (file.ConfigureAwait(false))
                {
                    await response.ResponseStream.CopyToAsync(file, ct).ConfigureAwait(false);
                }

                File.Move(temp, full, overwrite: true);
                return true;
            }
            catch (AmazonS3Exception ex) when (IsNoSuchKey(ex))
            {
                return false;
            }
            finally
            {
                if (File.Exists(temp))
                {
                    File.Delete(temp);
                }
            }
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ObjectKeys.ValidatePrefix(prefix);
        string? continuation = null;
        do
        {
            var request = new ListObjectsV2Request
            {
                BucketName = _bucket,
                Prefix = _rootPrefix + prefix,
                MaxKeys = _options.ListPageSize,
                ContinuationToken = continuation,
            };
            var page = await RunAsync("ListObjectsV2", prefix, ct => _client.ListObjectsV2Async(request, ct), cancellationToken).ConfigureAwait(false);
            foreach (var o in page.S3Objects ?? [])
            {
                if (!o.Key.StartsWith(_rootPrefix, StringComparison.Ordinal))
                {
                    continue;
                }

                var modified = o.LastModified is { } m ? new DateTimeOffset(m.ToUniversalTime(), TimeSpan.Zero) : DateTimeOffset.MinValue;
                yield return new ObjectInfo(o.Key[_rootPrefix.Length..], o.Size ?? 0, modified);
            }

            var truncated = page.IsTruncated == true;
            continuation = truncated ? page.NextContinuationToken : null;
            if (truncated && string.IsNullOrEmpty(continuation))
            {
                throw new ObjectStoreException($"S3 ListObjectsV2 '{prefix}' failed: the page is truncated but has no continuation token.", 200, "MalformedResponse");
            }
        }
        while (continuation is not null);
    }

    /// <inheritdoc />
    public Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        ObjectKeys.Validate(key);
        return RunAsync("DeleteObject", key, async ct =>
        {
            try
            {
                await _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _bucket, Key = _rootPrefix + key }, ct).ConfigureAwait(false);
            }
            catch (AmazonS3Exception ex) when (IsNoSuchKey(ex))
            {
                // Already gone.
            }

            return true;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public void Dispose() => _client.Dispose();

    private PutObjectRequest NewPut(string key, Stream? stream) => new()
    {
        BucketName = _bucket,
        Key = _rootPrefix + key,
        InputStream = stream,
        ContentType = "application/octet-stream",
        AutoCloseStream = false,
        // Plain signed payloads, on every put: S3-compatible servers do not all decode aws-chunked bodies, and s3rver
        // stores them as they come, chunk signatures and checksum trailer inside the object.
        UseChunkEncoding = false,
    };

    private static ReadOnlyMemoryStream AsStream(ReadOnlyMemory<byte> content) => new(content);

    private static bool IsNoSuchKey(AmazonS3Exception ex) =>
        ex.ErrorCode == "NoSuchKey" || (ex.StatusCode == HttpStatusCode.NotFound && string.IsNullOrEmpty(ex.ErrorCode));

    private async Task<T> RunAsync<T>(string operation, string key, Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_operationDeadline);
        try
        {
            return await action(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ObjectStoreException($"S3 {operation} '{key}' timed out (attempt limit {_options.Timeout.TotalSeconds:0.###} s, {_options.MaxRetries} retries).", null, "Timeout", ex);
        }
        catch (Exception ex) when (cancellationToken.IsCancellationRequested && ex is not OperationCanceledException && IsTimeout(ex))
        {
            throw new OperationCanceledException($"S3 {operation} '{key}' was cancelled.", ex, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && IsTimeout(ex))
        {
            throw new ObjectStoreException($"S3 {operation} '{key}' timed out (attempt limit {_options.Timeout.TotalSeconds:0.###} s, {_options.MaxRetries} retries).", null, "Timeout", ex);
        }
        catch (AmazonServiceException ex)
        {
            var status = (int)ex.StatusCode;
            var code = string.IsNullOrEmpty(ex.ErrorCode) ? null : ex.ErrorCode;
            var what = status == 0
                ? $"no answer from {EndpointForMessages}: {Innermost(ex).Message}"
                : $"{status} {code ?? ex.StatusCode.ToString()}: {ex.Message}";
            var requestId = string.IsNullOrEmpty(ex.RequestId) ? "" : $" (request id {ex.RequestId})";
            throw new ObjectStoreException($"S3 {operation} '{key}' failed: {what}{requestId}", status == 0 ? null : status, code, ex);
        }
        catch (AmazonClientException ex)
        {
            throw new ObjectStoreException($"S3 {operation} '{key}' failed: {ex.Message} ({Innermost(ex).Message})", null, null, ex);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or TimeoutException or System.Xml.XmlException or System.Net.Sockets.SocketException)
        {
            throw new ObjectStoreException($"S3 {operation} '{key}' failed: {EndpointForMessages} unreachable or answered badly: {ex.Message}", null, null, ex);
        }
    }

    private static bool IsTimeout(Exception ex)
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            if (e is TimeoutException or OperationCanceledException)
            {
                return true;
            }
        }

        return false;
    }

    private string EndpointForMessages => string.IsNullOrWhiteSpace(_options.ServiceUrl) ? "S3" : _options.ServiceUrl!;

    private static Exception Innermost(Exception ex)
    {
        while (ex.InnerException is not null)
        {
            ex = ex.InnerException;
        }

        return ex;
    }

    /// <summary>A read-only, seekable stream over memory the caller owns (the SDK seeks to hash and to retry).</summary>
    private sealed class ReadOnlyMemoryStream(ReadOnlyMemory<byte> memory) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => memory.Length;

        public override long Position
        {
            get => _position;
            set => _position = value is >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var remaining = memory.Length - (int)Math.Min(_position, memory.Length);
            var n = Math.Min(remaining, buffer.Length);
            memory.Span.Slice((int)_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            new(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromResult(Read(buffer.AsSpan(offset, count)));

        public override long Seek(long offset, SeekOrigin origin)
        {
            Position = origin switch
            {
                SeekOrigin.Begin => offset,
                SeekOrigin.Current => _position + offset,
                _ => memory.Length + offset,
            };
            return _position;
        }

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
