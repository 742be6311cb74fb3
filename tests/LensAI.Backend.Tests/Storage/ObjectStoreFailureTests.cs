using System.Diagnostics;
using System.Text;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Azure.Core;
using Azure.Core.Pipeline;
using LensAI.Backend.Storage;
using LensAI.Backend.Tests.Infrastructure;
using LensAI.Testing;
using Microsoft.AspNetCore.Http;

namespace LensAI.Backend.Tests.Storage;

/// <summary>
/// How the S3 and Azure adapters fail: unreachable endpoints, 5xx then success (retried), garbage bodies, malformed
/// XML, servers that never answer, and Azure's auth variants — all against real Kestrel servers on loopback.
/// </summary>
public sealed class ObjectStoreFailureTests
{
    private const string Bucket = "fake-bucket";
    private static CancellationToken Ct => CancellationToken.None;

    public static TheoryData<string> Backends => new() { "s3", "azure" };

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task A_closed_port_fails_with_ObjectStoreException_not_a_hang(string backend)
    {
        var port = NodeServer.FreePort();
        using var store = Create(backend, new Uri($"http://127.0.0.1:{port}/"), TimeSpan.FromSeconds(2), maxRetries: 1);
        var clock = Stopwatch.StartNew();

        var ex = await Assert.ThrowsAsync<ObjectStoreException>(() => ((IObjectStore)store).PutAsync("a/b", "x"u8.ToArray(), Ct));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}");
        Assert.Null(ex.StatusCode);
        Assert.Contains("a/b", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task Answers_503_then_500_then_200_are_retried(string backend)
    {
        var requests = 0;
        await using var server = await LoopbackServer.StartAsync(async context =>
        {
            var n = Interlocked.Increment(ref requests);
            if (n == 1)
            {
                await Error(context, backend, 503, "ServerBusy", "The server is busy.");
                return;
            }

            if (n == 2)
            {
                await Error(context, backend, 500, "InternalError", "Something broke.");
                return;
            }

            context.Response.StatusCode = 200;
            context.Response.Headers.ETag = "\"etag-1\"";
            context.Response.Headers.LastModified = "Sat, 21 Nov 2026 10:00:00 GMT";
            context.Response.ContentLength = 7;
            await context.Response.WriteAsync("payload");
        });
        using var store = Create(backend, server.BaseAddress, TimeSpan.FromSeconds(10), maxRetries: 3);

        var got = await ((IObjectStore)store).GetAsync("state/x.json", Ct);

        Assert.Equal("payload"u8.ToArray(), got!.Content);
        Assert.Equal("\"etag-1\"", got.ETag);
        Assert.Equal(3, requests);
    }

    [Fact]
    public async Task Azure_honours_retry_after_on_429_for_writes()
    {
        var requests = 0;
        await using var server = await LoopbackServer.StartAsync(async context =>
        {
            if (Interlocked.Increment(ref requests) == 1)
            {
                context.Response.Headers.RetryAfter = "1";
                await Error(context, "azure", 429, "TooManyRequests", "Slow down.");
                return;
            }

            context.Response.StatusCode = 201;
            context.Response.Headers.ETag = "\"0x1\"";
        });
        using var store = Create("azure", server.BaseAddress, TimeSpan.FromSeconds(10), maxRetries: 2);
        var clock = Stopwatch.StartNew();

        await ((IObjectStore)store).PutAsync("a/b", "x"u8.ToArray(), Ct);

        Assert.Equal(2, requests);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.9), $"retried after {clock.Elapsed}, before Retry-After");
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task A_500_with_a_garbage_body_ends_in_a_clear_exception_after_bounded_retries(string backend)
    {
        var requests = 0;
        await using var server = await LoopbackServer.StartAsync(async context =>
        {
            Interlocked.Increment(ref requests);
            context.Response.StatusCode = 500;
            context.Response.ContentType = "text/html";
            await context.Response.WriteAsync("<html><body>proxy exploded");
        });
        using var store = Create(backend, server.BaseAddress, TimeSpan.FromSeconds(10), maxRetries: 2);

        var ex = await Assert.ThrowsAsync<ObjectStoreException>(() => ((IObjectStore)store).PutAsync("a/b", "x"u8.ToArray(), Ct));

        Assert.Equal(500, ex.StatusCode);
        Assert.Equal(3, requests);
        Assert.Contains("500", ex.Message, StringComparison.Ordinal);
        if (backend == "azure")
        {
            Assert.Contains("unexpected error body (text/html)", ex.Message, StringComparison.Ordinal);
            Assert.Contains("proxy exploded", ex.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task Malformed_list_xml_is_a_clear_exception(string backend)
    {
        await using var server = await LoopbackServer.StartAsync(async context =>
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/xml";
            await context.Response.WriteAsync(backend == "azure"
                ? "<?xml version=\"1.0\"?><EnumerationResults><Blobs><Blob><Name>a"
                : "<?xml version=\"1.0\"?><ListBucketResult><Contents><Key>a");
        });
        using var store = Create(backend, server.BaseAddress, TimeSpan.FromSeconds(10), maxRetries: 1);

        var ex = await Assert.ThrowsAsync<ObjectStoreException>(async () =>
        {
            await foreach (var _ in ((IObjectStore)store).ListAsync("", Ct))
            {
            }
        });

        Assert.Contains("List", ex.Message, StringComparison.Ordinal);
        if (backend == "azure")
        {
            Assert.Contains("malformed XML", ex.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task A_server_that_never_answers_times_out_within_the_configured_limit(string backend)
    {
        var requests = 0;
        await using var server = await LoopbackServer.StartAsync(async context =>
        {
            Interlocked.Increment(ref requests);
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(60), context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
            }
        });
        var timeout = TimeSpan.FromSeconds(1);
        using var store = Create(backend, server.BaseAddress, timeout, maxRetries: 1);
        var clock = Stopwatch.StartNew();

        var ex = await Assert.ThrowsAsync<ObjectStoreException>(() => ((IObjectStore)store).GetAsync("slow/key", Ct));

        // Two attempts of one second each, plus back-off: well under the bound, and far from the server's 60 s.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"took {clock.Elapsed}");
        Assert.True(clock.Elapsed >= timeout, $"gave up after {clock.Elapsed}");
        Assert.Contains("timed out", ex.Message, StringComparison.Ordinal);
        // Two attempts (maxRetries: 1). Under load the HTTP stack may re-send an attempt once more by itself when the
        // first attempt's aborted connection is picked from the pool (seen once with AWSSDK.S3 4 in CI): still bounded.
        Assert.InRange(requests, 1, 3);
    }

    [Fact]
    public async Task Caller_cancellation_is_cancellation_not_a_storage_failure()
    {
        await using var server = await LoopbackServer.StartAsync(async context =>
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(60), context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
            }
        });
        using var store = Create("azure", server.BaseAddress, TimeSpan.FromSeconds(30), maxRetries: 3);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ((IObjectStore)store).GetAsync("a", cts.Token));
    }

    [Fact]
    public async Task Azure_error_xml_is_parsed_and_4xx_is_not_retried()
    {
        var requests = 0;
        await using var server = await LoopbackServer.StartAsync(async context =>
        {
            Interlocked.Increment(ref requests);
            context.Response.Headers["x-ms-request-id"] = "req-42";
            await Error(context, "azure", 403, "AuthenticationFailed",
                "Server failed to authenticate the request.\nRequestId:req-42\nTime:2026-11-21T10:00:00Z");
        });
        using var store = Create("azure", server.BaseAddress, TimeSpan.FromSeconds(10), maxRetries: 3);

        var ex = await Assert.ThrowsAsync<ObjectStoreException>(() => ((IObjectStore)store).PutAsync("a/b", "x"u8.ToArray(), Ct));

        Assert.Equal(1, requests);
        Assert.Equal(403, ex.StatusCode);
        Assert.Equal("AuthenticationFailed", ex.ErrorCode);
        Assert.Contains("403 AuthenticationFailed: Server failed to authenticate the request. (request id req-42)", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(AzuriteFixture.DevelopmentAccountKey, ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Azure_container_not_found_names_the_fix()
    {
        await using var server = await LoopbackServer.StartAsync(context => Error(context, "azure", 404, "ContainerNotFound", "The specified container does not exist."));
        using var store = Create("azure", server.BaseAddress, TimeSpan.FromSeconds(10), maxRetries: 0);

        var ex = await Assert.ThrowsAsync<ObjectStoreException>(() => ((IObjectStore)store).GetAsync("a", Ct));

        Assert.Contains("CreateContainerIfMissing", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Azure_bearer_tokens_come_from_the_credential_are_cached_and_go_only_over_https()
    {
        using var certificate = LoopbackCertificate();
        var seen = new List<string>();
        await using var server = await LoopbackServer.StartAsync(async context =>
        {
            lock (seen)
            {
                seen.Add($"{context.Request.Scheme} {context.Request.Method} {context.Request.Path} {context.Request.Headers.Authorization} v={context.Request.Headers["x-ms-version"]}");
            }

            switch (context.Request.Method)
            {
                case "PUT":
                    context.Response.StatusCode = 201;
                    context.Response.Headers.ETag = "\"0x1\"";
                    break;
                case "GET":
                    context.Response.Headers.ETag = "\"0x1\"";
                    await context.Response.WriteAsync("x");
                    break;
                default:
                    context.Response.StatusCode = 202;
                    break;
            }
        }, certificate);
        var credential = new CountingCredential("token-123");
        using var store = new AzureBlobStore(new AzureBlobStoreOptions { AccountUrl = $"{server.BaseAddress}acct", Container = "lensai", RetryDelay = FastRetry },
            credential, logger: null, TrustOnly(certificate));

        await store.PutAsync("a/b", "x"u8.ToArray(), Ct);
        await store.GetAsync("a/b", Ct);
        await store.DeleteAsync("a/b", Ct);

        Assert.Equal(1, credential.Calls);
        Assert.Equal([AzureBlobStore.StorageScope], credential.Scopes);
        Assert.Equal(3, seen.Count);
        Assert.All(seen, line => Assert.Matches($"^https [A-Z]+ /acct/lensai/a/b Bearer token-123 v={AzureBlobStoreOptions.DefaultServiceVersion}$", line));
    }

    [Theory]
    [InlineData("http://acme.blob.core.windows.net")]
    [InlineData("http://127.0.0.1:10000/devstoreaccount1")]
    public void Azure_bearer_tokens_are_never_sent_over_plain_http(string accountUrl)
    {
        var withCredential = Assert.Throws<ArgumentException>(() => new AzureBlobStore(
            new AzureBlobStoreOptions { AccountUrl = accountUrl, Container = "lensai" }, new CountingCredential("t")));
        var withManagedIdentity = Assert.Throws<ArgumentException>(() => new AzureBlobStore(
            new AzureBlobStoreOptions { AccountUrl = accountUrl, Container = "lensai", UseManagedIdentity = true }));

        Assert.Contains("Storage:AzureBlob:AccountUrl must be https", withCredential.Message, StringComparison.Ordinal);
        Assert.Contains("Storage:AzureBlob:AccountUrl must be https", withManagedIdentity.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("connection string")]
    [InlineData("SasToken option")]
    [InlineData("SAS in the URL")]
    public async Task Azure_sas_signs_with_the_query_not_a_header(string how)
    {
        const string sas = "sv=2025-05-05&sp=rw&sig=c2ln";
        string? seen = null;
        await using var server = await LoopbackServer.StartAsync(context =>
        {
            seen = $"{context.Request.Path}{context.Request.QueryString} auth={context.Request.Headers.Authorization}";
            context.Response.StatusCode = 201;
            context.Response.Headers.ETag = "\"0x1\"";
            return Task.CompletedTask;
        });
        var options = how switch
        {
            "connection string" => new AzureBlobStoreOptions { ConnectionString = $"BlobEndpoint={server.BaseAddress}acct;SharedAccessSignature={sas}" },
            "SasToken option" => new AzureBlobStoreOptions { AccountUrl = $"{server.BaseAddress}acct", SasToken = "?" + sas },
            _ => new AzureBlobStoreOptions { AccountUrl = $"{server.BaseAddress}acct?{sas}" },
        };
        options.Container = "lensai";
        using var store = new AzureBlobStore(options);

        await store.PutAsync("a b", "x"u8.ToArray(), Ct);

        Assert.Equal($"/acct/lensai/a%20b?{sas} auth=", seen);
        Assert.DoesNotContain("sig=", options.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("sig=", store.Endpoint.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(S3Checksums.WhenSupported)]
    [InlineData(S3Checksums.WhenRequired)]
    public async Task S3_puts_send_the_exact_bytes_unchunked_and_signed_conditions(S3Checksums checksums)
    {
        var payload = System.Security.Cryptography.RandomNumberGenerator.GetBytes(70_000);
        var seen = new List<(Dictionary<string, string> Headers, byte[] Body)>();
        await using var server = await LoopbackServer.StartAsync(async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
            lock (seen)
            {
                seen.Add((headers, body.ToArray()));
            }

            if (headers.TryGetValue("if-match", out var ifMatch) && ifMatch != "\"etag-1\"")
            {
                await Error(context, "s3", 412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold");
                return;
            }

            context.Response.Headers.ETag = "\"etag-1\"";
        });
        using var store = new S3ObjectStore(new S3StoreOptions
        {
            ServiceUrl = server.BaseAddress.ToString(),
            Bucket = Bucket,
            AccessKey = "AKIDTEST",
            SecretKey = "secret-test-key",
            ForcePathStyle = true,
            Checksums = checksums,
        });

        await store.PutAsync("a/plain", payload, Ct);
        var created = await store.PutConditionalAsync("a/lease", payload, null, Ct);
        var replaced = await store.PutConditionalAsync("a/lease", payload, created, Ct);
        var stale = await store.PutConditionalAsync("a/lease", payload, "\"etag-0\"", Ct);

        Assert.Equal("\"etag-1\"", created);
        Assert.Equal("\"etag-1\"", replaced);
        Assert.Null(stale);
        Assert.Equal(4, seen.Count);
        Assert.All(seen, request =>
        {
            Assert.Equal(payload, request.Body);
            Assert.False(request.Headers.ContainsKey("content-encoding"), "aws-chunked body");
            Assert.DoesNotContain("STREAMING", request.Headers["x-amz-content-sha256"], StringComparison.Ordinal);
            var hasChecksum = request.Headers.Keys.Any(k => k.StartsWith("x-amz-checksum-", StringComparison.Ordinal));
            Assert.Equal(checksums == S3Checksums.WhenSupported, hasChecksum);
        });
        Assert.Equal("*", seen[1].Headers["if-none-match"]);
        Assert.Contains("if-none-match", SignedHeaders(seen[1].Headers));
        Assert.Equal("\"etag-1\"", seen[2].Headers["if-match"]);
        Assert.Contains("if-match", SignedHeaders(seen[2].Headers));
        Assert.False(seen[0].Headers.ContainsKey("if-none-match") || seen[0].Headers.ContainsKey("if-match"));
    }

    private static string[] SignedHeaders(Dictionary<string, string> headers)
    {
        var authorization = headers["authorization"];
        var start = authorization.IndexOf("SignedHeaders=", StringComparison.Ordinal) + "SignedHeaders=".Length;
        return authorization[start..authorization.IndexOf(',', start)].Split(';');
    }

    private static IDisposable Create(string backend, Uri endpoint, TimeSpan timeout, int maxRetries) => backend switch
    {
        "s3" => new S3ObjectStore(new S3StoreOptions
        {
            ServiceUrl = endpoint.ToString(),
            Bucket = Bucket,
            AccessKey = "AKIDTEST",
            SecretKey = "secret-test-key",
            ForcePathStyle = true,
            Timeout = timeout,
            MaxRetries = maxRetries,
        }),
        _ => new AzureBlobStore(new AzureBlobStoreOptions
        {
            ConnectionString = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AzuriteFixture.DevelopmentAccountKey};BlobEndpoint={endpoint}devstoreaccount1",
            Container = "lensai",
            Timeout = timeout,
            MaxRetries = maxRetries,
            RetryDelay = FastRetry,
        }),
    };

    /// <summary>A short first back-off so retry tests stay fast (the default is 200 ms, doubling).</summary>
    private static readonly TimeSpan FastRetry = TimeSpan.FromMilliseconds(20);

    /// <summary>A self-signed certificate for 127.0.0.1, made for one test.</summary>
    private static X509Certificate2 LoopbackCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>The SDK's HTTP transport, trusting exactly <paramref name="certificate"/> (and nothing else).</summary>
    private static HttpClientTransport TrustOnly(X509Certificate2 certificate) =>
        new(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, presented, _, _) => presented?.Thumbprint == certificate.Thumbprint });

    private static async Task Error(HttpContext context, string backend, int status, string code, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/xml";
        if (backend == "azure")
        {
            context.Response.Headers["x-ms-error-code"] = code;
        }

        var xml = $"<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>{code}</Code><Message>{System.Security.SecurityElement.Escape(message)}</Message></Error>";
        await context.Response.WriteAsync(xml, Encoding.UTF8);
    }

    private sealed class CountingCredential(string token) : TokenCredential
    {
        private int _calls;

        public int Calls => _calls;

        public string[] Scopes { get; private set; } = [];

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            Scopes = requestContext.Scopes;
            return new AccessToken(token, DateTimeOffset.UtcNow.AddHours(1));
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            new(GetToken(requestContext, cancellationToken));
    }
}
