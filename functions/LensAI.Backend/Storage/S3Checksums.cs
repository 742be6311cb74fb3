namespace LensAI.Backend.Storage;

/// <summary>When the S3 client computes and checks flexible (CRC) checksums.</summary>
public enum S3Checksums
{
    /// <summary>On every operation that supports them (the AWS SDK's default).</summary>
    WhenSupported,

    /// <summary>Only where the S3 API requires one (for S3-compatible services that refuse checksum headers).</summary>
    WhenRequired,
}
