namespace LensAI.Backend.Ingest;

/// <summary>Per-project ingest settings.</summary>
public sealed class ProjectSettings
{
    /// <summary>PII redaction for this project.</summary>
    public RedactionOptions Redaction { get; set; } = new();

    /// <summary>Days of raw events kept (0 = forever). Default 365.</summary>
    public int RetentionDays { get; set; } = 365;

    /// <summary>Days of rollups kept (0 = forever); usually longer than events. Default 1,095.</summary>
    public int RollupRetentionDays { get; set; } = 1095;
}
