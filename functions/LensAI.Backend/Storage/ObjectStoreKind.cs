namespace LensAI.Backend.Storage;

/// <summary>Which object store the backend writes to.</summary>
public enum ObjectStoreKind
{
    /// <summary>A folder on the local disk (the embedded default).</summary>
    Local,

    /// <summary>Amazon S3 or an S3-compatible service (MinIO, Ceph, R2, …).</summary>
    S3,

    /// <summary>Azure Blob Storage (or Azurite).</summary>
    AzureBlob,
}
