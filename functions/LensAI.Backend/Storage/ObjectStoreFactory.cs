using Azure.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LensAI.Backend.Storage;

/// <summary>Builds the configured <see cref="IObjectStore"/>.</summary>
internal static class ObjectStoreFactory
{
    /// <summary>
    /// Validates <paramref name="options"/> (an <see cref="ArgumentException"/> names every bad option) and creates
    /// the store. Logs one line describing it, without secrets. S3 and Azure stores are <see cref="IDisposable"/>.
    /// </summary>
    public static IObjectStore Create(ObjectStoreOptions options, ILoggerFactory? loggerFactory = null) => Create(options, loggerFactory, azureCredential: null);

    /// <summary>
    /// As <see cref="Create(ObjectStoreOptions, ILoggerFactory?)"/>, with a Microsoft Entra ID credential from code
    /// (<c>WorkloadIdentityCredential</c>, <c>ClientSecretCredential</c>, a <c>ChainedTokenCredential</c>, …): an Azure
    /// Blob store uses it when <see cref="AzureBlobStoreOptions.AccountUrl"/> is set with no other way to authenticate
    /// (no account key, SAS or <see cref="AzureBlobStoreOptions.UseManagedIdentity"/>). Other stores ignore it.
    /// </summary>
    public static IObjectStore Create(ObjectStoreOptions options, ILoggerFactory? loggerFactory, TokenCredential? azureCredential)
    {
        ArgumentNullException.ThrowIfNull(options);
        var credential = options.Kind == ObjectStoreKind.AzureBlob && options.AzureBlob.TakesCredentialFromCode ? azureCredential : null;
        options.Validate(azureCredentialInCode: credential is not null);
        loggerFactory ??= NullLoggerFactory.Instance;
        var log = loggerFactory.CreateLogger("LensAI.Backend.Storage");
        IObjectStore store = options.Kind switch
        {
            ObjectStoreKind.Local => new LocalFolderStore(options.LocalPath!, loggerFactory.CreateLogger<LocalFolderStore>()),
            ObjectStoreKind.S3 => new S3ObjectStore(options.S3, loggerFactory.CreateLogger<S3ObjectStore>()),
            ObjectStoreKind.AzureBlob => credential is null
                ? new AzureBlobStore(options.AzureBlob, loggerFactory.CreateLogger<AzureBlobStore>())
                : new AzureBlobStore(options.AzureBlob, credential, loggerFactory.CreateLogger<AzureBlobStore>()),
            _ => throw new ArgumentException($"Storage:Kind '{options.Kind}' is not one of Local, S3, AzureBlob.", nameof(options)),
        };
        StorageLog.Created(log, options.Describe(azureCredentialInCode: credential is not null));
        return store;
    }
}
