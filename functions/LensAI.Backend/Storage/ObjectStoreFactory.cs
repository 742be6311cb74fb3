using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LensAI.Backend.Storage;

/// <summary>Builds the configured <see cref="IObjectStore"/>.</summary>
public static class ObjectStoreFactory
{
    /// <summary>
    /// Validates <paramref name="options"/> (an <see cref="ArgumentException"/> names every bad option) and creates
    /// the store. Logs one line describing it, without secrets. S3 and Azure stores are <see cref="IDisposable"/>.
    /// </summary>
    public static IObjectStore Create(ObjectStoreOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        loggerFactory ??= NullLoggerFactory.Instance;
        var log = loggerFactory.CreateLogger("LensAI.Backend.Storage");
        IObjectStore store = options.Kind switch
        {
            ObjectStoreKind.Local => new LocalFolderStore(options.LocalPath!, loggerFactory.CreateLogger<LocalFolderStore>()),
            ObjectStoreKind.S3 => new S3ObjectStore(options.S3, loggerFactory.CreateLogger<S3ObjectStore>()),
            ObjectStoreKind.AzureBlob => new AzureBlobStore(options.AzureBlob, loggerFactory.CreateLogger<AzureBlobStore>()),
            _ => throw new ArgumentException($"Storage:Kind '{options.Kind}' is not one of Local, S3, AzureBlob.", nameof(options)),
        };
        StorageLog.Created(log, options.ToString());
        return store;
    }
}
