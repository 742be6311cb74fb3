using LensAI.Backend.Storage;
using LensAI.Backend.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LensAI.Backend.Tests.Storage;

public sealed class ObjectStoreOptionsTests
{
    private const string SecretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    private const string AccountKey = "c2VjcmV0LWFjY291bnQta2V5LXZhbHVlLXRoYXQtbXVzdC1uZXZlci1iZS1sb2dnZWQ=";

    [Theory]
    [InlineData(ObjectStoreKind.Local, "Storage:LocalPath is required")]
    [InlineData(ObjectStoreKind.S3, "Storage:S3:Bucket is required")]
    [InlineData(ObjectStoreKind.AzureBlob, "Storage:AzureBlob:ConnectionString or Storage:AzureBlob:AccountUrl is required")]
    public void Missing_required_options_are_named(ObjectStoreKind kind, string expected)
    {
        var ex = Assert.Throws<ArgumentException>(() => ObjectStoreFactory.Create(new ObjectStoreOptions { Kind = kind }));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_bad_option_is_named_at_once()
    {
        var options = new ObjectStoreOptions
        {
            Kind = ObjectStoreKind.S3,
            S3 = new S3StoreOptions
            {
                Bucket = "Bad_Bucket!",
                ServiceUrl = "not a url",
                AccessKey = "AKID",
                Timeout = TimeSpan.Zero,
                MaxRetries = 50,
                ListPageSize = 5000,
                Prefix = "../up",
            },
        };

        var errors = options.GetValidationErrors();

        Assert.Contains(errors, e => e.StartsWith("Storage:S3:Bucket 'Bad_Bucket!'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Storage:S3:ServiceUrl", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Storage:S3:AccessKey and Storage:S3:SecretKey", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Storage:S3:Timeout", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Storage:S3:MaxRetries", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Storage:S3:ListPageSize", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Storage:S3:Prefix", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(null, "https://a.blob.core.windows.net", false, null, null, "Storage:AzureBlob:AccountUrl needs a way to authenticate")]
    [InlineData("UseDevelopmentStorage=true", null, true, null, null, "Storage:AzureBlob:UseManagedIdentity goes with Storage:AzureBlob:AccountUrl")]
    [InlineData("UseDevelopmentStorage=true", null, false, AccountKey, null, "Storage:AzureBlob:AccountKey goes with Storage:AzureBlob:AccountUrl")]
    [InlineData("AccountName=a", null, false, null, null, "Storage:AzureBlob:ConnectionString is not usable")]
    [InlineData("not a connection string", null, false, null, null, "Storage:AzureBlob:ConnectionString is not usable")]
    [InlineData("UseDevelopmentStorage=true", "https://a.blob.core.windows.net", false, null, null, "exactly one of them")]
    [InlineData(null, "https://a.blob.core.windows.net", true, AccountKey, null, "takes one way to authenticate, but has Storage:AzureBlob:AccountKey and Storage:AzureBlob:UseManagedIdentity")]
    [InlineData(null, "https://a.blob.core.windows.net?sv=1&sig=x", false, null, "sv=1&sig=y", "takes one way to authenticate")]
    [InlineData(null, "https://a.blob.core.windows.net", false, "not base64!", null, "Storage:AzureBlob:AccountKey is not base64")]
    [InlineData(null, "https://example.com", false, AccountKey, null, "Storage:AzureBlob:AccountName is required with Storage:AzureBlob:AccountKey")]
    [InlineData(null, "http://a.blob.core.windows.net", true, null, null, "Storage:AzureBlob:AccountUrl must be https")]
    [InlineData(null, "ftp://a.blob.core.windows.net", true, null, null, "Storage:AzureBlob:AccountUrl is not an absolute http(s) URL")]
    [InlineData(null, "http://127.0.0.1:10000", false, AccountKey, null, "Storage:AzureBlob:AccountUrl 'http://127.0.0.1:10000' is an IP address without an account")]
    public void Azure_auth_combinations_are_checked(string? connectionString, string? accountUrl, bool managedIdentity, string? accountKey, string? sasToken, string expected)
    {
        var options = new ObjectStoreOptions
        {
            Kind = ObjectStoreKind.AzureBlob,
            AzureBlob = new AzureBlobStoreOptions
            {
                ConnectionString = connectionString,
                AccountUrl = accountUrl,
                UseManagedIdentity = managedIdentity,
                AccountKey = accountKey,
                SasToken = sasToken,
                Container = "lensai",
            },
        };

        var errors = options.GetValidationErrors();

        Assert.True(errors.Any(e => e.Contains(expected, StringComparison.Ordinal)), string.Join(Environment.NewLine, errors));
    }

    [Theory]
    [InlineData("https://acme.blob.core.windows.net", true, null, null)]
    [InlineData("https://acme.blob.core.windows.net", false, AccountKey, null)]
    [InlineData("http://127.0.0.1:10000/devstoreaccount1", false, AccountKey, null)]
    [InlineData("https://acme.blob.core.windows.net", false, null, "sv=2025-05-05&sp=racwdl&sig=c2ln")]
    [InlineData("https://acme.blob.core.windows.net/?sv=2025-05-05&sp=racwdl&sig=c2ln", false, null, null)]
    public void Azure_account_url_with_one_way_to_authenticate_is_valid(string accountUrl, bool managedIdentity, string? accountKey, string? sasToken)
    {
        var options = new AzureBlobStoreOptions
        {
            AccountUrl = accountUrl,
            UseManagedIdentity = managedIdentity,
            AccountKey = accountKey,
            SasToken = sasToken,
            Container = "lensai",
        };

        Assert.Empty(new ObjectStoreOptions { Kind = ObjectStoreKind.AzureBlob, AzureBlob = options }.GetValidationErrors());
        Assert.DoesNotContain(AccountKey, options.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("sig=", options.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2025-13-01")]
    [InlineData("2099-01-01")]
    [InlineData("V2025_05_05")]
    [InlineData("")]
    public void Azure_service_versions_the_client_does_not_know_are_named(string version)
    {
        var options = new ObjectStoreOptions
        {
            Kind = ObjectStoreKind.AzureBlob,
            AzureBlob = new AzureBlobStoreOptions { ConnectionString = "UseDevelopmentStorage=true", Container = "lensai", ServiceVersion = version },
        };

        Assert.Contains(options.GetValidationErrors(), e => e.StartsWith($"Storage:AzureBlob:ServiceVersion '{version}' is not a Blob service version", StringComparison.Ordinal));
    }

    [Fact]
    public void Azure_retry_delays_are_checked()
    {
        var options = new ObjectStoreOptions
        {
            Kind = ObjectStoreKind.AzureBlob,
            AzureBlob = new AzureBlobStoreOptions
            {
                ConnectionString = "UseDevelopmentStorage=true",
                Container = "lensai",
                RetryDelay = TimeSpan.FromSeconds(10),
                MaxRetryDelay = TimeSpan.FromSeconds(1),
            },
        };

        Assert.Contains(options.GetValidationErrors(), e => e.StartsWith("Storage:AzureBlob:RetryDelay", StringComparison.Ordinal));
    }

    [Fact]
    public void Azure_container_names_are_checked()
    {
        var options = new ObjectStoreOptions
        {
            Kind = ObjectStoreKind.AzureBlob,
            AzureBlob = new AzureBlobStoreOptions { ConnectionString = "UseDevelopmentStorage=true", Container = "Bad--Name" },
        };

        Assert.Contains(options.GetValidationErrors(), e => e.StartsWith("Storage:AzureBlob:Container 'Bad--Name'", StringComparison.Ordinal));
    }

    [Fact]
    public void The_factory_builds_each_kind_and_logs_no_secret()
    {
        var logs = new ListLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        var root = Path.Combine(Path.GetTempPath(), $"lensai-factory-{Guid.NewGuid():N}");
        var s3 = new ObjectStoreOptions
        {
            Kind = ObjectStoreKind.S3,
            S3 = new S3StoreOptions { ServiceUrl = "http://127.0.0.1:9000", Bucket = "lensai", AccessKey = "AKIDEXAMPLE", SecretKey = SecretKey, ForcePathStyle = true },
        };
        var azure = new ObjectStoreOptions
        {
            Kind = ObjectStoreKind.AzureBlob,
            AzureBlob = new AzureBlobStoreOptions
            {
                ConnectionString = $"DefaultEndpointsProtocol=https;AccountName=acme;AccountKey={AccountKey};EndpointSuffix=core.windows.net",
                Container = "lensai",
            },
        };
        try
        {
            var local = ObjectStoreFactory.Create(new ObjectStoreOptions { Kind = ObjectStoreKind.Local, LocalPath = root }, loggerFactory);
            using var s3Store = (IDisposable)ObjectStoreFactory.Create(s3, loggerFactory);
            using var azureStore = (IDisposable)ObjectStoreFactory.Create(azure, loggerFactory);

            Assert.Equal("local", local.Kind);
            Assert.Equal("s3", ((IObjectStore)s3Store).Kind);
            Assert.Equal("azureblob", ((IObjectStore)azureStore).Kind);
            Assert.Equal(3, logs.Messages.Count);
            Assert.Contains(logs.Messages, m => m.Contains("https://acme.blob.core.windows.net", StringComparison.Ordinal));
            Assert.All(logs.Messages, m =>
            {
                Assert.DoesNotContain(SecretKey, m, StringComparison.Ordinal);
                Assert.DoesNotContain(AccountKey, m, StringComparison.Ordinal);
            });
            Assert.DoesNotContain(SecretKey, s3.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain(AccountKey, azure.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void A_token_credential_from_code_authenticates_an_account_url_that_has_no_other_way()
    {
        var logs = new ListLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(logs));
        var options = new ObjectStoreOptions
        {
            Kind = ObjectStoreKind.AzureBlob,
            AzureBlob = new AzureBlobStoreOptions { AccountUrl = "https://acme.blob.core.windows.net", Container = "lensai" },
        };
        var withKey = new ObjectStoreOptions
        {
            Kind = ObjectStoreKind.AzureBlob,
            AzureBlob = new AzureBlobStoreOptions { AccountUrl = "https://acme.blob.core.windows.net", AccountKey = AccountKey, Container = "lensai" },
        };
        var credential = new Azure.Identity.ClientSecretCredential("tenant", "client", "secret");

        var missing = Assert.Throws<ArgumentException>(() => ObjectStoreFactory.Create(options, loggerFactory));
        using var store = (AzureBlobStore)ObjectStoreFactory.Create(options, loggerFactory, credential);
        using var keyStore = (AzureBlobStore)ObjectStoreFactory.Create(withKey, loggerFactory, credential);

        Assert.Contains("Storage:AzureBlob:AccountUrl needs a way to authenticate", missing.Message, StringComparison.Ordinal);
        Assert.Equal(new Uri("https://acme.blob.core.windows.net/lensai"), store.Endpoint);
        Assert.Contains(logs.Messages, m => m.Contains("auth token credential", StringComparison.Ordinal));
        Assert.Contains(logs.Messages, m => m.Contains("auth account key", StringComparison.Ordinal));
    }

    [Fact]
    public void Root_prefixes_are_normalized()
    {
        Assert.Equal("", ObjectKeys.NormalizeRootPrefix(null));
        Assert.Equal("", ObjectKeys.NormalizeRootPrefix(" / "));
        Assert.Equal("lensai/", ObjectKeys.NormalizeRootPrefix("/lensai"));
        Assert.Equal("a/b/", ObjectKeys.NormalizeRootPrefix("a/b/"));
    }

    private sealed class ListLoggerProvider : ILoggerProvider
    {
        public List<string> Messages { get; } = [];

        public ILogger CreateLogger(string categoryName) => new ListLogger(this);

        public void Dispose()
        {
        }

        private sealed class ListLogger(ListLoggerProvider owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (owner.Messages)
                {
                    owner.Messages.Add(formatter(state, exception));
                }
            }
        }
    }
}
