using LensAI.Backend.Storage;
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
    [InlineData(null, "https://a.blob.core.windows.net", false, "Storage:AzureBlob:AccountUrl needs Storage:AzureBlob:UseManagedIdentity")]
    [InlineData("UseDevelopmentStorage=true", null, true, "Storage:AzureBlob:UseManagedIdentity needs Storage:AzureBlob:AccountUrl")]
    [InlineData("AccountName=a", null, false, "Storage:AzureBlob:ConnectionString is not usable")]
    [InlineData("UseDevelopmentStorage=true", "https://a.blob.core.windows.net", false, "exactly one of them")]
    public void Azure_auth_combinations_are_checked(string? connectionString, string? accountUrl, bool managedIdentity, string expected)
    {
        var options = new ObjectStoreOptions
        {
            Kind = ObjectStoreKind.AzureBlob,
            AzureBlob = new AzureBlobStoreOptions
            {
                ConnectionString = connectionString,
                AccountUrl = accountUrl,
                UseManagedIdentity = managedIdentity,
                Container = "lensai",
            },
        };

        Assert.Contains(options.GetValidationErrors(), e => e.Contains(expected, StringComparison.Ordinal));
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
